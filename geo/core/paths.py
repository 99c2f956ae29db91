"""Where minetrack finds its bundled facts, layer specs and map recipes.

A wheel carries them inside the package (``geo/_bundled/...``, see pyproject.toml);
a source checkout or an editable install reads the top-level folders directly.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]  # geo/


def _bundled(name: str) -> Path:
    inside = _PACKAGE / "_bundled" / name
    if inside.is_dir():
        return inside
    return _PACKAGE.parent / name


def data_dir() -> Path:
    """Folder holding the bundled datasets (``data/``)."""
    return _bundled("data")


def layers_dir() -> Path:
    """Folder holding the layer specs (``layers/``)."""
    return _bundled("layers")


def maps_dir() -> Path:
    """Folder holding the map recipes (``maps/``)."""
    return _bundled("maps")
