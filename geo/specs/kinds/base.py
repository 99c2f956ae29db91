"""What every layer kind provides: the keys it takes, how it loads, how it is drawn.

A kind is one module in :mod:`geo.specs.kinds` holding one :class:`LayerKind`
subclass; the map runtime (``geo/maps/static/minetrack.js``) has one drawing class
for each ``js`` name (``points``, ``polygons``, ``lines``). Adding a kind is adding
a module here and listing it in ``geo/specs/kinds/__init__.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import geopandas as gpd

from geo.core.errors import DataError, Problem

if TYPE_CHECKING:  # type hints only: specs sit above the kinds
    from geo.facts.bundle import Facts
    from geo.specs.layer import LayerSpec
    from geo.specs.recipe import RecipeLayer

LABELS = {
    "type": "Type", "stage": "Stage", "commodities": "Commodities", "country": "Country",
    "admin1": "State / region", "capacity": "Output / capacity", "start_year": "Start year",
    "location_accuracy": "Location", "notes": "Notes", "owners": "Owners",
}
"""Popup labels for well-known fields; other fields show their name with spaces."""


BASEMAP_FILL = "#f4f1ea"
"""The offline basemap's land colour: what a polygon left out of a layer shows."""


def missing_row(values, label_text: str) -> dict[str, object]:
    """The legend row of the features a polygon layer leaves to the basemap (no value in
    the field it is coloured by): their number, a label and the basemap's colour."""
    return {"label": label_text, "count": int(values.isna().sum()), "color": BASEMAP_FILL}


def label(field_name: str) -> str:
    """The popup label of a field."""
    return LABELS.get(field_name, field_name.replace("_", " "))


@dataclass
class Drawn:
    """What one recipe layer puts on a map: runtime layer specs (JSON-ready dicts),
    the sites it shows (for the summary and filters) and its lon/lat bounds."""

    layers: list[dict[str, Any]] = field(default_factory=list)
    sites: gpd.GeoDataFrame | None = None
    bounds: tuple[float, float, float, float] | None = None


class LayerKind:
    """Base of every kind; subclasses set the class attributes and override ``load``/``draw``."""

    name: ClassVar[str] = ""
    js: ClassVar[str] = ""
    spec_keys: ClassVar[tuple[str, ...]] = ()
    required_keys: ClassVar[tuple[str, ...]] = ()
    recipe_keys: ClassVar[tuple[str, ...]] = ("title", "show")

    def defaults(self, spec: dict[str, Any]) -> dict[str, Any]:
        """Fill keys this kind can default (the raw spec dict, before checking)."""
        return spec

    def check_spec(self, spec: LayerSpec) -> None:
        """Raise DataError for spec values this kind cannot use."""

    def check_layer(self, layer: RecipeLayer, spec: LayerSpec, where: str, file: str) -> list[Problem]:
        """Problems with a recipe's use of a layer of this kind (beyond unknown keys)."""
        return []

    def load(self, spec: LayerSpec, facts: Facts | None) -> gpd.GeoDataFrame:
        """The layer's features from its source, filtered by the spec."""
        raise NotImplementedError

    def draw(self, layer: RecipeLayer, spec: LayerSpec, facts: Facts) -> Drawn:
        """The runtime layers of one recipe layer."""
        raise DataError([Problem(spec.file, 0, "kind", f"a {self.name} layer cannot be drawn on a map")])


def require_field(rows: gpd.GeoDataFrame, field_name: str | None, file: str, key: str,
                  layer_name: str) -> None:
    """A DataError naming the recipe key when the layer has no such field."""
    if field_name and field_name not in rows.columns:
        raise DataError([Problem(file, 0, key, f"layer {layer_name!r} has no field {field_name!r}")])


def bounds_of(gdf: gpd.GeoDataFrame) -> tuple[float, float, float, float] | None:
    """lon/lat bounds of a layer, None when it is empty."""
    if not len(gdf):
        return None
    x0, y0, x1, y1 = (gdf.to_crs("EPSG:4326") if gdf.crs and not gdf.crs.equals("EPSG:4326")
                      else gdf).total_bounds
    return float(x0), float(y0), float(x1), float(y1)


def same_file(a, b) -> bool:
    """Whether two paths name the same file."""
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def source_of(spec, facts) -> Path:
    """A spec's source file with ``facts``' data folder as the data in use."""
    return spec.source_in(facts.directory if facts is not None else None)
