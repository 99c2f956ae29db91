"""Where a store lives: one module per backend, chosen by the STORE argument.

A backend knows its connection, its SQL dialect and how it keeps points; the tracker's
logic (:mod:`geo.facts.store.tracker`) is the same on all of them. Adding a backend is
adding one module here and one line to :data:`SCHEMES`.
"""

from __future__ import annotations

from geo.facts.store.backends.base import Backend

SCHEMES = {"postgresql": "postgis", "postgres": "postgis"}
"""URL scheme -> backend module; anything else is a GeoPackage path."""


def backend_for(url: object) -> Backend:
    """The backend for a STORE argument: a ``postgresql://`` URL or a GeoPackage path."""
    text = str(url)
    scheme = text.split("://", 1)[0] if "://" in text else ""
    if scheme in SCHEMES:
        from geo.facts.store.backends.postgis import PostgisBackend

        return PostgisBackend(text)
    from geo.facts.store.backends.gpkg import GpkgBackend

    return GpkgBackend(url)


__all__ = ["Backend", "backend_for"]
