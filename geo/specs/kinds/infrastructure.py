"""Infrastructure (rail, roads, ports, power...) from a fetched public dataset."""

from __future__ import annotations

from geo.core.errors import DataError, Problem
from geo.core.vocab import CLASSES
from geo.specs.kinds._cache import cached_file, check_fetch
from geo.specs.kinds._encode import line_layer, point_layer
from geo.specs.kinds.base import Drawn, LayerKind, bounds_of


class InfrastructureKind(LayerKind):
    """Lines or points of one infrastructure class, read from the download cache."""

    name = "infrastructure"
    js = "lines"
    spec_keys = ("fetch", "class")

    def defaults(self, spec):
        return {"id_field": "source_row", "label_field": "name", **spec}

    def check_spec(self, spec) -> None:
        check_fetch(spec)
        if spec.infrastructure_class is not None and spec.infrastructure_class not in CLASSES:
            raise DataError([Problem(spec.file, 0, "class", f"unknown infrastructure class "
                                     f"{spec.infrastructure_class!r} (one of {', '.join(CLASSES)})")])

    def load(self, spec, facts=None):
        from geo.io.infrastructure import read_infrastructure

        return read_infrastructure(cached_file(spec), klass=spec.infrastructure_class)

    def draw(self, layer, spec, facts) -> Drawn:
        rows = self.load(spec, facts)
        return Drawn(layers=infrastructure_layers(rows, layer.title or spec.title, show=layer.show),
                     bounds=bounds_of(rows))


def infrastructure_layers(rows, title: str, *, show: bool = True) -> list[dict]:
    """Map layers of infrastructure rows (minetrack's schema): points as small dots,
    lines as thin grey lines, named in tooltips. Also what a query map draws."""
    points = rows.geom_type.isin(["Point", "MultiPoint"])
    out = []
    if points.any():
        pts = rows[points].copy()
        pts["name"] = pts["name"].fillna("")
        out.append(point_layer(pts.set_geometry(pts.geometry.representative_point()),
                               title=f"{title} ({int(points.sum())})", radius=3.0,
                               fields=("name",), label="name", show=show))
    if (~points).any():
        lines = rows[~points].assign(_w=1.0, name=rows["name"].fillna(""))
        out.append(line_layer(lines, title=title, weight_by="_w", max_weight=2.0,
                              color="#444444", label="name", show=show))
    return out


KIND = InfrastructureKind()
