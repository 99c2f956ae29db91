"""US federal land (PAD-US, BLM SMA, USFS...) from a fetched dataset, by agency."""

from __future__ import annotations

from geo.specs.kinds._cache import cached_file, check_fetch
from geo.specs.kinds._encode import polygon_layer
from geo.specs.kinds.base import Drawn, LayerKind

AGENCY_COLORS = {"BLM": "#fde0a0", "USFS": "#b8e0a8", "NPS": "#c7b3e0", "FWS": "#a8d4e6", "DOD": "#f0b0a8"}
"""Default colours of the agencies drawn most, in the spirit of the BLM's land-status maps."""


class FederalLandKind(LayerKind):
    """Federal land polygons in minetrack's schema, coloured by managing agency."""

    name = "federal-land"
    js = "polygons"
    spec_keys = ("fetch", "palettes")

    def defaults(self, spec):
        return {"id_field": "source_row", "label_field": "unit_name", **spec}

    def check_spec(self, spec) -> None:
        check_fetch(spec)

    def load(self, spec, facts=None):
        from geo.io.federal_land import read_federal_land

        return read_federal_land(cached_file(spec))

    def draw(self, layer, spec, facts) -> Drawn:
        rows = self.load(spec, facts)
        return Drawn(layers=[federal_land_layer(rows, layer.title or spec.title,
                                                palette=spec.palettes.get("agency", {}), show=layer.show)])


def federal_land_layer(rows, title: str, *, palette: dict | None = None, show: bool = True,
                       simplify_deg: float = 0.05) -> dict:
    """The map layer of federal land rows (minetrack's schema), coloured by agency.
    Also what a query map draws."""
    rows = rows.assign(unit_name=rows["unit_name"].fillna(""))
    return polygon_layer(
        rows, title=title, color_by="agency", palette={**AGENCY_COLORS, **(palette or {})},
        fields=["unit_name", "agency", "designation"], label="unit_name",
        popup=[("Agency", "agency"), ("Designation", "designation")], show=show,
        simplify_deg=simplify_deg)


KIND = FederalLandKind()
