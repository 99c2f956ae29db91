"""The map of a query result: sites coloured by stage, with the query's columns in popups."""

from __future__ import annotations

import folium
import geopandas as gpd

from geo.maps.render import points_map
from geo.specs.layer import load_layer_spec


def result_map(result: gpd.GeoDataFrame, description: str) -> folium.Map:
    """A standalone map of a query result: sites coloured by stage, with the columns
    the query added in their popups."""
    fields = tuple(
        c
        for c in (
            "name",
            "type",
            "stage_on",
            "stage_since",
            "fast41_status",
            "federal_agency",
            "federal_unit",
            "land_status_check",
            *[c for c in result.columns if c.startswith(("dist_", "nearest_"))],
        )
        if c in result.columns
    )
    shown = result.copy()
    for c in fields:
        shown[c] = shown[c].astype("string").fillna("")
    return points_map(
        shown,
        title="minetrack query",
        description=description,
        color_by="stage_on" if "stage_on" in shown else None,
        palette=load_layer_spec("sites").palettes.get("stage"),
        fields=fields,
        label="name",
        radius=6,
    )
