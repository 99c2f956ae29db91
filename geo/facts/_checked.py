"""Data folders already found clean, remembered by content so that commands reading an
unchanged folder skip the checks, and the parsed tables themselves.

A folder's fingerprint is a SHA-256 over the bytes of every table and layer in it
(``*.csv``, ``*.geojson``) and over the source of the modules that judge them, with
minetrack's version: editing any file, or upgrading minetrack, makes a new fingerprint,
and the folder is checked in full again. A marker file named after the fingerprint in
``<cache>/checked/`` says the full checks found nothing. ``minetrack validate`` never
trusts a marker; it only leaves one.

A folder found clean also leaves its parsed, joined tables (:class:`~geo.facts.bundle.Facts`)
in ``<cache>/facts/``, under :func:`bundle_key`: the fingerprint, the folder's path, the
reference layers the checks compared it with, the source of every minetrack module and
the versions of the libraries whose objects it holds. A later command reads that one
file instead of parsing and checking every table. Any changed byte of any of them is a
new key; a cache file that does not read back whole (its SHA-256 is stored in it) is
ignored and rewritten. Entries are pickles, written only by minetrack (mode 0600): the
cache folder is trusted as the user's own files are, so keep ``$MINETRACK_CACHE`` out
of folders others may write to.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from geo.core.paths import cache_dir, data_dir

_JUDGES = ("checks.py", "places.py", "countries.py", "bundle.py", "sites.py")
"""Modules (in ``geo/facts``) whose rules a marker vouches for."""
_REFERENCES = ("countries.geojson", "us_states.geojson", "places.csv")
"""What the spatial checks compare the sites with."""
_MAGIC = b"minetrack-cache 1\n"
"""First bytes of a cache file written by :func:`store`; a SHA-256 of the rest follows."""
_LIBRARIES = ("numpy", "pandas", "pyarrow", "shapely", "geopandas", "pyproj", "pyogrio")
"""Libraries whose objects (and whose answers) a cached table holds."""


def fingerprint(folder: Path) -> str:
    """The content fingerprint of a data folder (hex)."""
    from geo import __version__

    h = hashlib.sha256(__version__.encode())
    here = Path(__file__).resolve().parent
    for name in _JUDGES:
        h.update((here / name).read_bytes())
    files = [p for p in sorted(folder.iterdir()) if p.suffix.lower() in (".csv", ".geojson")]
    # A folder without its own polygons or gazetteer is judged against the current ones.
    files += [data_dir() / n for n in _REFERENCES if not (folder / n).exists()]
    for path in files:
        if path.is_file():
            h.update(path.name.encode() + b"\0")
            h.update(path.read_bytes())
            h.update(b"\0")
    return h.hexdigest()


def _marker(print_: str) -> Path:
    return cache_dir() / "checked" / print_


def was_clean(print_: str) -> bool:
    """True when the full checks found nothing in a folder of this fingerprint."""
    return _marker(print_).is_file()


def remember_clean(print_: str) -> None:
    """Leave the marker (atomically; a cache that cannot be written is no error: the
    checks simply run in full next time)."""
    marker = _marker(print_)
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=marker.parent, prefix=".checked-")
        os.close(fd)
        os.replace(tmp, marker)
    except OSError:
        pass


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """SHA-256 (hex) over the source of every minetrack module, Python's version and the
    versions of :data:`_LIBRARIES` (with GEOS, GDAL and PROJ): what turns bytes on disk
    into the tables and geometries a cache holds."""
    from importlib.metadata import PackageNotFoundError, version

    from geo import __version__

    h = hashlib.sha256(f"{__version__}\0{sys.version}\0".encode())
    for lib in _LIBRARIES:
        # A library already imported says its version (cheaper than its metadata).
        found = getattr(sys.modules.get(lib), "__version__", None)
        try:
            found = found or version(lib)
        except PackageNotFoundError:
            found = "none"
        h.update(f"{lib}={found}\0".encode())
    package = Path(__file__).resolve().parents[1]
    for path in sorted(package.rglob("*.py")):
        h.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def native_versions() -> str:
    """GEOS, GDAL and PROJ versions, PROJ's data folder, whether it may fetch grids and
    the GDAL/PROJ settings in the environment: repairs, reads and reprojections depend
    on them."""
    import pyogrio
    import pyproj
    import shapely

    settings = sorted((k, v) for k, v in os.environ.items()
                      if k.startswith(("GDAL_", "OGR_", "CPL_", "PROJ_", "SHAPE_")))
    return (f"geos={shapely.geos_version_string} gdal={pyogrio.__gdal_version_string__} "
            f"proj={pyproj.proj_version_str} {pyproj.datadir.get_data_dir()} "
            f"network={pyproj.network.is_network_enabled()} {settings!r}")


def bundle_key(folder: Path, print_: str) -> str:
    """The key of a folder's parsed tables: its fingerprint ``print_``, its resolved path
    (the tables name it), the bundled reference layers (loaders read them whatever the
    folder holds) and :func:`code_fingerprint`."""
    folder = Path(folder).resolve()
    h = hashlib.sha256(f"facts\0{print_}\0{folder}\0{code_fingerprint()}\0".encode())
    for name in _REFERENCES:
        path = (data_dir() / name).resolve()
        if path.parent == folder:  # in the fingerprint already
            continue
        h.update(name.encode() + b"\0" + (path.read_bytes() if path.is_file() else b"") + b"\0")
    return h.hexdigest()


def _entry(kind: str, key: str) -> Path:
    return cache_dir() / kind / f"{key}.pickle"


def load(kind: str, key: str) -> Any | None:
    """What :func:`store` left under ``kind``/``key``, or None: absent, unreadable, cut
    short or changed since (its SHA-256 no longer matches), or not unpicklable with the
    libraries here. Such a file is removed, so the next store writes it afresh."""
    path = _entry(kind, key)
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    head = len(_MAGIC) + 32
    try:
        if blob[: len(_MAGIC)] != _MAGIC or hashlib.sha256(blob[head:]).digest() != blob[len(_MAGIC):head]:
            raise ValueError("not a whole cache file")
        return pickle.loads(blob[head:])
    except Exception:  # a broken cache file is a miss, never an error
        with contextlib.suppress(OSError):
            path.unlink()
        return None


def store(kind: str, key: str, value: Any, *, keep: int = 16) -> None:
    """Leave ``value`` under ``kind``/``key`` (atomically), keeping the ``keep`` newest
    entries of ``kind``. A cache that cannot be written is no error."""
    path = _entry(kind, key)
    try:
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".entry-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(_MAGIC + hashlib.sha256(payload).digest() + payload)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        entries = sorted(path.parent.glob("*.pickle"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in entries[keep:]:
            old.unlink(missing_ok=True)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        pass
