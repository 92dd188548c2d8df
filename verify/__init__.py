"""netproof: state and check facts about neural networks exactly.

The import package is ``verify``; see ``DESIGN.md`` §6 for the public API.
"""

from verify.activations import Activation
from verify.box import Box
from verify.errors import InvalidArgument, InvalidNetwork, InvalidNumber, UnsupportedNetwork, VerifyError
from verify.layers import Act, Affine, Pool
from verify.network import Network
from verify.numbers import to_rational
from verify.verdict import Claim, Status, Verdict, Witness

__all__ = [
    "Act",
    "Activation",
    "Affine",
    "Box",
    "Claim",
    "InvalidArgument",
    "InvalidNetwork",
    "InvalidNumber",
    "Network",
    "Pool",
    "Status",
    "UnsupportedNetwork",
    "Verdict",
    "VerifyError",
    "Witness",
    "to_rational",
]
