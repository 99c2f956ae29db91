"""Polygons shaded by numeric classes (``bins`` edges, one colour per class)."""

from __future__ import annotations

from geo.core.errors import Problem
from geo.specs.kinds._encode import classify, polygon_layer
from geo.specs.kinds.base import Drawn, label, missing_row
from geo.specs.kinds.polygons import PolygonsKind


class ChoroplethKind(PolygonsKind):
    """Countries (or any polygons) by a numeric field in classes: share of world output..."""

    name = "choropleth"
    recipe_keys = ("title", "show", "color_by", "popup", "bins", "colors", "unit")

    def check_layer(self, layer, spec, where, file) -> list[Problem]:
        if not layer.color_by:
            return [Problem(file, 0, f"{where}.color_by", "a choropleth needs the numeric field to shade by")]
        if not layer.bins:
            return [Problem(file, 0, f"{where}.bins", "a choropleth needs class edges (bins = [...])")]
        return []

    def draw(self, layer, spec, facts) -> Drawn:
        rows, field, popup_fields = self._rows(layer, spec, facts)
        classes, labels = classify(rows[field], layer.bins, layer.unit)
        drawn = polygon_layer(
            rows.assign(_class=classes), title=layer.title or spec.title, color_by="_class",
            palette=dict(zip(labels, layer.colors or (), strict=True)),
            fields=[spec.label_field, *popup_fields], label=spec.label_field,
            popup=[(label(f), f) for f in popup_fields], show=layer.show)
        drawn["missing"] = missing_row(classes, "no data")
        return Drawn(layers=[drawn])


KIND = ChoroplethKind()
