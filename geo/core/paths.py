"""Where minetrack finds its bundled facts, layer specs and map recipes, and where it
keeps what it downloads or remembers (:func:`cache_dir`).

A wheel carries them inside the package (``geo/_bundled/...``, see pyproject.toml);
a source checkout or an editable install reads the top-level folders directly.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]  # geo/


def _bundled(name: str) -> Path:
    inside = _PACKAGE / "_bundled" / name
    if inside.is_dir():
        return inside
    return _PACKAGE.parent / name


_DATA_STACK: list[Path] = []
"""Data folders standing in for the bundled one (``--store``), innermost last."""


def data_dir() -> Path:
    """Folder holding the datasets: the bundled ``data/``, or the folder that
    :func:`using_data` put in its place."""
    return _DATA_STACK[-1] if _DATA_STACK else _bundled("data")


def bundled_data_dir() -> Path:
    """The bundled ``data/`` folder, whatever :func:`using_data` says."""
    return _bundled("data")


@contextmanager
def using_data(folder: Path) -> Iterator[Path]:
    """Within the block, every loader reads ``folder`` instead of the bundled data."""
    _DATA_STACK.append(Path(folder))
    try:
        yield Path(folder)
    finally:
        _DATA_STACK.pop()


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


def cache_dir() -> Path:
    """``$MINETRACK_CACHE``, else ``$XDG_CACHE_HOME/minetrack``, else ``~/.cache/minetrack``."""
    if os.environ.get("MINETRACK_CACHE"):
        return Path(os.environ["MINETRACK_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "minetrack"
