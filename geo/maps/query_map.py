"""The map of a query result: sites coloured by stage, with the query's columns in popups."""

from __future__ import annotations

import folium
import geopandas as gpd

from geo.maps.render import points_map
from geo.specs.layer import load_layer_spec


def result_map(result: gpd.GeoDataFrame, description: str, *,
               federal_land: gpd.GeoDataFrame | None = None,
               infrastructure: gpd.GeoDataFrame | None = None, classes: tuple[str, ...] = ()) -> folium.Map:
    """A standalone map of a query result: sites coloured by stage, with the columns
    the query added in their popups, over the layers that answered the query (the
    federal land, and the infrastructure of each class it measured), clipped to the
    result's surroundings."""
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
        under=_answering_layers(result, federal_land, infrastructure, classes),
    )


def _answering_layers(result, federal_land, infrastructure, classes) -> list[dict]:
    """Map layers of what answered the query, within 1° of the result's sites."""
    from geo.specs.kinds.federal_land import federal_land_layer
    from geo.specs.kinds.infrastructure import infrastructure_layers

    if not len(result):
        return []
    w, s, e, n = result.to_crs("EPSG:4326").total_bounds
    box = (w - 1, s - 1, e + 1, n + 1)
    out = []
    if federal_land is not None and len(federal_land):
        near = federal_land.cx[box[0]:box[2], box[1]:box[3]]
        if len(near):
            out.append(federal_land_layer(near, f"Federal land ({len(near)} units)", simplify_deg=0.002))
    if infrastructure is not None:
        for klass in classes:
            rows = infrastructure[infrastructure["class"] == klass].cx[box[0]:box[2], box[1]:box[3]]
            if len(rows) and klass not in ("smelter", "refinery"):
                out += infrastructure_layers(rows, klass)
    return out
