"""Layers a query reads from the user's files, kept in the cache as read (and repaired).

Reading a state's PAD-US and repairing its invalid polygons costs far more than the
query itself; the same file read again gives the same table. :func:`read_cached` keys
what a reader returned by everything it depends on: the file's resolved path, size,
modification time (ns) and the SHA-256 of its bytes (every file of a folder dataset
such as a ``.gdb``), the name it is shown by (the ``source`` column), the reader and
its arguments, the source of every minetrack module and the library versions
(:func:`geo.facts._checked.code_fingerprint`, with GEOS, GDAL and PROJ). Anything
changed is a new key; a cache entry that does not read back whole is read afresh.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd

from geo.core.errors import display_path
from geo.facts import _checked

_KIND = "layers"
_KEEP = 8
"""Entries kept in ``<cache>/layers`` (a state's PAD-US is tens of MB)."""


def _stamp(path: Path) -> list[tuple[str, int, int]]:
    """(name, size, mtime_ns) of the file, or of every file under a folder dataset."""
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    out = []
    for p in files:
        st = p.stat()
        out.append(("" if p == path else str(p.relative_to(path)), st.st_size, st.st_mtime_ns))
    return out


def _key(read: Callable, path: Path, kwargs: dict[str, Any]) -> tuple[str, list]:
    """The cache key of ``read(path, **kwargs)`` and the stamp it was taken at."""
    stamp = _stamp(path)
    h = hashlib.sha256(f"{read.__module__}.{read.__qualname__}\0{sorted(kwargs.items())!r}\0"
                       f"{path.resolve()}\0{display_path(path)}\0{stamp!r}\0".encode())
    h.update(f"{_checked.code_fingerprint()}\0{_checked.native_versions()}\0".encode())
    for name, _, _ in stamp:
        with open(path / name if name else path, "rb") as f:
            h.update(hashlib.file_digest(f, "sha256").digest())
    return h.hexdigest(), stamp


def read_cached(read: Callable[..., gpd.GeoDataFrame], path: Path | str, **kwargs: Any) -> gpd.GeoDataFrame:
    """``read(path, **kwargs)``, from the cache when the same file was read so before.

    A path that is not a local file or folder (or a cache that cannot be used) is simply
    read; a reader's error is raised as it is and nothing is kept.
    """
    path = Path(path)
    try:
        key, stamp = _key(read, path, kwargs) if path.exists() else (None, None)
    except OSError:
        key = None
    if key is None:
        return read(path, **kwargs)
    hit = _checked.load(_KIND, key)
    if isinstance(hit, tuple) and len(hit) == 2 and isinstance(hit[0], gpd.GeoDataFrame):
        layer, attrs = hit
        layer.attrs = dict(attrs)
        return layer
    layer = read(path, **kwargs)
    try:
        unchanged = _stamp(path) == stamp
    except OSError:
        unchanged = False
    if unchanged:  # a file rewritten while it was read is not kept under the old bytes' key
        _checked.store(_KIND, key, (layer, dict(layer.attrs)), keep=_KEEP)
    return layer
