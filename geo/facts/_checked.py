"""Data folders already found clean, remembered by content so that commands reading an
unchanged folder skip the slow per-site spatial checks.

A folder's fingerprint is a SHA-256 over the bytes of every table and layer in it
(``*.csv``, ``*.geojson``) and over the source of the modules that judge them, with
minetrack's version: editing any file, or upgrading minetrack, makes a new fingerprint,
and the folder is checked in full again. A marker file named after the fingerprint in
``<cache>/checked/`` says the full checks found nothing. ``minetrack validate`` never
trusts a marker; it only leaves one.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from geo.core.paths import cache_dir, data_dir

_JUDGES = ("checks.py", "places.py", "countries.py", "bundle.py", "sites.py")
"""Modules (in ``geo/facts``) whose rules a marker vouches for."""
_REFERENCES = ("countries.geojson", "us_states.geojson", "places.csv")
"""What the spatial checks compare the sites with."""


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
