"""The four semantics of a network: exact (Q), floating (numpy), ball (rigorous arb) and symbolic (sympy).

Each module is a table from activation name and from layer type to a small rule;
``tests/test_semantics_tables.py`` checks that every table covers every type.
"""
