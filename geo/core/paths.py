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


def safe_stem(name: str) -> str:
    """A file-name stem for ``name`` (a site id) that is safe on every file system and in
    a relative URL: ASCII letters, digits, ``-`` and ``_`` only. A name that had to be
    changed gets a short hash of the original, so two ids never share a file."""
    import hashlib
    import re

    text = str(name)
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")[:80]
    if stem == text and stem:
        return stem
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]
    return f"{stem}-{digest}" if stem else digest
