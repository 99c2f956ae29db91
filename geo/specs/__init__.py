"""Layer specs and map recipes (TOML), parsed and checked, and the layer-kind registry.

Reads from ``layers/`` and ``maps/``; loads data only through a kind's ``load``.
"""
