"""Admin-1 (state, province) lines under the points of a country map.

Only the lines between neighbouring units are drawn: coasts and the country's own
border are the basemap's. Shared edges are merged before simplifying, so two
neighbours' versions of one edge never show as a double line.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import shapely

from geo.core.errors import MinetrackWarning
from geo.specs.kinds._encode import line_layer
from geo.specs.kinds.base import Drawn, LayerKind, require_field, source_of

SIMPLIFY_DEG = 0.01  # ~1 km: finer than a national map's pixels
LINE_COLOR = "#8a8a8a"


def interior_lines(polygons: gpd.GeoSeries, simplify_deg: float = SIMPLIFY_DEG) -> shapely.Geometry:
    """The lines between neighbouring polygons (WGS 84), merged, simplified and without
    the outer edge of their union (coasts, international borders)."""
    geoms = shapely.make_valid(polygons.to_crs("EPSG:4326").geometry.values)
    edges = shapely.union_all(shapely.boundary(geoms))  # noded: a shared edge appears once
    outer = shapely.boundary(shapely.union_all(geoms))
    shared = shapely.difference(edges, shapely.buffer(outer, simplify_deg / 2))
    merged = shapely.line_merge(shapely.union_all(shapely.get_parts(shared)))
    return shapely.set_precision(shapely.simplify(merged, simplify_deg), 0.001)


class BoundariesKind(LayerKind):
    """Thin grey lines between the units of a polygon file (``us_states.geojson``)."""

    name = "boundaries"
    js = "lines"
    spec_keys = ("source", "id_field", "label_field")
    required_keys = ("source",)

    def defaults(self, spec):
        return {"id_field": "name", "label_field": "name", **spec}

    def load(self, spec, facts=None) -> gpd.GeoDataFrame:
        from geo.io.vector import read_vector

        rows = read_vector(source_of(spec, facts))
        require_field(rows, spec.label_field, spec.file, "label_field", spec.name)
        return rows

    def draw(self, layer, spec, facts) -> Drawn:
        path = source_of(spec, facts)
        if not path.exists():  # a data folder of one's own need not have the lines
            warnings.warn(MinetrackWarning(f"skipped layer {spec.name!r}: {path} not found"), stacklevel=2)
            return Drawn()
        rows = self.load(spec, facts)
        title = layer.title or spec.title
        lines = gpd.GeoDataFrame({"name": [title], "_w": [1.0]}, geometry=[interior_lines(rows.geometry)],
                                 crs="EPSG:4326")
        out = line_layer(lines, title=title, weight_by="_w", max_weight=0.8, color=LINE_COLOR,
                         label="name", show=layer.show)
        # Reference lines, not data: no legend entry, no tooltip, dashed like the
        # national maps' state lines.
        out.update(legend=False, interactive=False, dash="4 3", weight=0.8)
        return Drawn(layers=[out])


KIND = BoundariesKind()
