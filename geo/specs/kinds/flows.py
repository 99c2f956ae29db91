"""Import flows: geodesic lines from exporter to importer, width by share, and (with
``bins``) the exporting countries shaded by their share."""

from __future__ import annotations

import geopandas as gpd

from geo.core.columns import Column
from geo.core.errors import DataError, Problem
from geo.specs.kinds._encode import classify, line_layer, polygon_layer
from geo.specs.kinds.base import Drawn, LayerKind, same_file, source_of


def _filter_keys() -> tuple[str, ...]:
    from geo.facts.supply import IMPORT_COLUMNS

    return tuple(c.name for c in IMPORT_COLUMNS if isinstance(c, Column) and c.name != "sources")


class FlowsKind(LayerKind):
    """Shares of a country's imports by source (``data/import_sources.csv``)."""

    name = "flows"
    js = "lines"
    spec_keys = ("source", "filter")
    required_keys = ("source",)
    recipe_keys = ("title", "show", "filter", "bins", "colors", "unit")

    def check_spec(self, spec) -> None:
        unknown = sorted(set(spec.filter) - set(_filter_keys()))
        if unknown:
            keys = ", ".join(_filter_keys())
            raise DataError([Problem(spec.file, 0, f"filter.{k}", f"unknown filter (one of {keys})")
                             for k in unknown])

    def check_layer(self, layer, spec, where, file) -> list[Problem]:
        keys = ", ".join(_filter_keys())
        return [Problem(file, 0, f"{where}.filter.{k}", f"unknown filter (one of {keys})")
                for k in sorted(set(layer.filter) - set(_filter_keys()))]

    def load(self, spec, facts, extra_filter=None):
        from geo.facts.supply import load_import_sources

        if facts is not None and facts.imports is not None and facts.directory is not None and \
                same_file(source_of(spec, facts), facts.directory / "import_sources.csv"):
            flows = facts.imports
        else:
            known = set(facts.countries["iso_a3"]) if facts is not None else None
            ids = set(facts.sources["id"]) if facts is not None else None
            flows = load_import_sources(source_of(spec, facts), known_iso=known, source_ids=ids)
        for field, wanted in {**spec.filter, **(extra_filter or {})}.items():
            values = [wanted] if isinstance(wanted, str) else list(wanted)
            flows = flows[flows[field].isin(values)]
        return flows

    def draw(self, layer, spec, facts) -> Drawn:
        from geo.facts.supply import flow_lines

        flows = self.load(spec, facts, layer.filter)
        if flows.empty:
            raise DataError([Problem(layer.file, 0, f"{layer.where}.filter",
                                     f"no flows of layer {spec.name!r} match {layer.filter}")])
        names = facts.countries.set_index("iso_a3")["name"]
        lines = flow_lines(flows, facts.countries)
        lines["label"] = [
            f"{names[e]} to {names[i]}: {p:g}% of {i} {prod} imports ({per})"
            for e, i, p, prod, per in lines[["exporter", "importer", "share_pct", "product", "period"]]
            .itertuples(index=False)]
        title = layer.title or spec.title
        drawn = Drawn()
        if layer.bins:
            share = lines.groupby("exporter")["share_pct"].sum()
            shaded = facts.countries.assign(share_pct=facts.countries["iso_a3"].map(share))
            classes, labels = classify(shaded["share_pct"], layer.bins, layer.unit)
            shaded = gpd.GeoDataFrame(shaded.assign(_class=classes), crs=facts.countries.crs)
            drawn.layers.append(polygon_layer(
                shaded, title=f"{title}: share by source", color_by="_class",
                palette=dict(zip(labels, layer.colors or (), strict=True)), fields=["name", "share_pct"],
                label="name", popup=[("Share of imports, %", "share_pct")], show=layer.show))
        drawn.layers.append(line_layer(lines, title=title, weight_by="share_pct", label="label",
                                       show=layer.show))
        return drawn


KIND = FlowsKind()
