"""netproof: state and check facts about neural networks exactly.

The import package is ``verify``; DESIGN.md §6 lists the public API, and
``tests/test_public_api.py`` checks that ``__all__`` is exactly that list.

>>> import verify as V
>>> hat = V.construct.hat(-1, 1)
>>> V.prove_support_in(hat, V.Box([-1], [1])).status
<Status.PROVED: 'proved'>
"""

from verify import checker, construct, topology
from verify.activations import Activation
from verify.analytic import nonvanishing_witness
from verify.bounds import equivalent, lipschitz_constant, max_abs
from verify.box import Box
from verify.errors import InvalidArgument, InvalidNetwork, InvalidNumber, UnsupportedNetwork, VerifyError
from verify.layers import Act, Affine, Pool
from verify.network import Network
from verify.numbers import to_rational
from verify.polyhedra import Polyhedron
from verify.regions import Region, linear_regions
from verify.support import Support, prove_support_in, support
from verify.verdict import Claim, Status, Verdict, Witness
from verify.zero import is_identically_zero


def latex(net: Network, **options: object) -> str:
    """A LaTeX rendering of ``net`` (closed formula when small, layer by layer otherwise).

    See :func:`verify.semantics.symbolic.latex` for the options; sympy is imported on first use.
    """
    from verify.semantics.symbolic import latex as _latex

    return _latex(net, **options)  # type: ignore[arg-type]


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
    "Polyhedron",
    "Pool",
    "Region",
    "Status",
    "Support",
    "UnsupportedNetwork",
    "Verdict",
    "VerifyError",
    "Witness",
    "checker",
    "construct",
    "equivalent",
    "is_identically_zero",
    "latex",
    "linear_regions",
    "lipschitz_constant",
    "max_abs",
    "nonvanishing_witness",
    "prove_support_in",
    "support",
    "to_rational",
    "topology",
]
