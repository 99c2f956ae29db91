"""Polygons coloured by category (countries by control sphere, say)."""

from __future__ import annotations

import geopandas as gpd

from geo.core.errors import DataError, Problem
from geo.specs.kinds._encode import polygon_layer
from geo.specs.kinds.base import Drawn, LayerKind, label, missing_row, require_field, same_file, source_of


class PolygonsKind(LayerKind):
    """A polygon layer (``countries.geojson`` or any polygon file) coloured by a field."""

    name = "polygons"
    js = "polygons"
    spec_keys = ("source", "id_field", "label_field", "popup_fields", "palettes")
    required_keys = ("source", "id_field", "label_field")
    recipe_keys = ("title", "show", "color_by", "popup")

    def load(self, spec, facts) -> gpd.GeoDataFrame:
        """The facts' countries (with spheres and statistics joined) when the source is the
        bundled countries file, else the file itself (any GDAL vector format)."""
        path = source_of(spec, facts)
        if facts is not None and facts.directory is not None and \
                same_file(path, facts.directory / "countries.geojson"):
            return facts.countries
        from geo.io.vector import read_vector

        rows = read_vector(path)
        for key in ("id_field", "label_field"):
            require_field(rows, getattr(spec, key), spec.file, key, spec.name)
        return rows

    def _rows(self, layer, spec, facts) -> tuple[gpd.GeoDataFrame, str, list]:
        rows = self.load(spec, facts)
        field = layer.color_by or spec.id_field
        if field not in rows.columns:
            raise DataError([Problem(layer.file, 0, f"{layer.where}.color_by",
                                     f"layer {spec.name!r} has no field {field!r}")])
        popup_fields = layer.popup if layer.popup is not None else spec.popup_fields
        for f in popup_fields:
            require_field(rows, f, layer.file, f"{layer.where}.popup", spec.name)
        return rows, field, list(popup_fields)

    def draw(self, layer, spec, facts) -> Drawn:
        rows, field, popup_fields = self._rows(layer, spec, facts)
        drawn = polygon_layer(
            rows, title=layer.title or spec.title, color_by=field, palette=spec.palettes.get(field, {}),
            fields=[spec.label_field, *popup_fields], label=spec.label_field,
            popup=[(label(f), f) for f in popup_fields], show=layer.show)
        drawn["missing"] = missing_row(rows[field], "unclassified")
        return Drawn(layers=[drawn])


KIND = PolygonsKind()
