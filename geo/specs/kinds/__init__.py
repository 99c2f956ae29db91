"""The layer-kind registry: one module per kind, each holding one ``KIND``.

======================  =========  ==============================================
kind                    runtime    what it draws
======================  =========  ==============================================
``sites``               points     mines, plants, projects from a sites table
``polygons``            polygons   polygons by category (countries by sphere)
``choropleth``          polygons   polygons by numeric classes (share of output)
``flows``               lines      import shares as geodesic flow lines
``infrastructure``      lines      fetched rail, roads, ports, power
``federal-land``        polygons   fetched federal land by agency
``raster``              raster     a GeoTIFF or fetched DEM tiles as an image overlay
``boundaries``          lines      admin-1 lines between the units of a polygon file
======================  =========  ==============================================

Adding a kind: a module here with a :class:`~geo.specs.kinds.base.LayerKind`
subclass and ``KIND = ...``, listed in ``_MODULES``; its runtime name must be a
drawing class of ``geo/maps/static/minetrack.js``.
"""

from __future__ import annotations

from importlib import import_module

from geo.core.errors import DataError, Problem
from geo.specs.kinds.base import Drawn, LayerKind

_MODULES = {
    "sites": "sites",
    "polygons": "polygons",
    "choropleth": "choropleth",
    "flows": "flows",
    "infrastructure": "infrastructure",
    "federal-land": "federal_land",
    "raster": "raster",
    "boundaries": "boundaries",
}
KINDS: tuple[str, ...] = tuple(_MODULES)
FETCHED_KINDS = ("infrastructure", "federal-land")


def kind_of(name: str, file: str = "") -> LayerKind:
    """The registered kind called ``name``; a DataError naming ``file`` if there is none."""
    if name not in _MODULES:
        raise DataError([Problem(file or "layer spec", 0, "kind",
                                 f"unknown kind {name!r} (one of {', '.join(KINDS)})")])
    return import_module(f"geo.specs.kinds.{_MODULES[name]}").KIND


__all__ = ["FETCHED_KINDS", "KINDS", "Drawn", "LayerKind", "kind_of"]
