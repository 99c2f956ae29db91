"""Layer specs: what each layer is, where its data live and how it is drawn.

A layer is one TOML file in ``layers/``. It either names a source file in
``data/`` and its kind (``sites`` points, ``polygons``, ``flows``), or ``extends``
another layer with a ``filter``. Layers of kind ``infrastructure`` and
``federal-land`` name a downloadable source instead (``[fetch]`` with the
``minetrack fetch`` source and its options) and are read from the user's cache;
``minetrack query --layer NAME`` uses them. Adding a layer is adding a file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import tomllib

from .errors import DataError, Problem
from .paths import data_dir, layers_dir

KINDS = ("sites", "polygons", "flows", "infrastructure", "federal-land")
FETCHED_KINDS = ("infrastructure", "federal-land")


@dataclass(frozen=True)
class LayerSpec:
    """A parsed layer spec (see ``layers/sites.toml`` for a commented example)."""

    name: str
    title: str
    description: str
    kind: str
    source: str
    id_field: str
    label_field: str
    popup_fields: tuple[str, ...] = ()
    palettes: dict[str, dict[str, str]] = field(default_factory=dict)
    size: dict[str, Any] = field(default_factory=dict)
    filter: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    fetch: dict[str, str] = field(default_factory=dict)
    infrastructure_class: str | None = None

    @property
    def source_path(self) -> Path:
        return data_dir() / self.source


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise DataError([Problem(str(path), 0, "", "file not found")]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise DataError([Problem(str(path), 0, "", f"invalid TOML: {exc}")]) from exc


def layer_names() -> list[str]:
    """Names of the bundled layers."""
    return sorted(p.stem for p in layers_dir().glob("*.toml"))


def load_layer_spec(name: str, _seen: tuple[str, ...] = ()) -> LayerSpec:
    """The spec of layer ``name``, with ``extends`` resolved (filters are combined)."""
    path = layers_dir() / f"{name}.toml"
    if not path.exists():
        raise KeyError(f"unknown layer {name!r}; layers: {', '.join(layer_names())}")
    raw = read_toml(path)
    base: dict[str, Any] = {}
    if "extends" in raw:
        parent_name = raw["extends"]
        if parent_name in _seen or parent_name == name:
            raise DataError([Problem(str(path), 0, "extends", f"layer {name!r} extends itself")])
        parent = load_layer_spec(parent_name, (*_seen, name))
        base = {k: getattr(parent, k) for k in LayerSpec.__dataclass_fields__}
        raw = {**raw, "filter": {**parent.filter, **raw.get("filter", {})}}
    spec = {**base, **{k: v for k, v in raw.items() if k != "extends"}}
    if spec.get("kind") in FETCHED_KINDS:
        spec.setdefault("source", "")
        spec.setdefault("id_field", "source_row")
        spec.setdefault("label_field", "name" if spec["kind"] == "infrastructure" else "unit_name")
        if "source" not in spec.get("fetch", {}):
            raise DataError([Problem(str(path), 0, "fetch", "a fetched layer needs [fetch] source = ...")])
    missing = [k for k in ("name", "kind", "source", "id_field", "label_field") if k not in spec]
    if missing:
        raise DataError([Problem(str(path), 0, k, "required key is missing") for k in missing])
    if spec["kind"] not in KINDS:
        raise DataError([Problem(str(path), 0, "kind", f"unknown kind {spec['kind']!r}")])
    return LayerSpec(
        name=spec["name"],
        title=spec.get("title", spec["name"]),
        description=spec.get("description", ""),
        kind=spec["kind"],
        source=spec["source"],
        id_field=spec["id_field"],
        label_field=spec["label_field"],
        popup_fields=tuple(spec.get("popup_fields", ())),
        palettes=dict(spec.get("palettes", {})),
        size=dict(spec.get("size", {})),
        filter=dict(spec.get("filter", {})),
        path=path,
        fetch=dict(spec.get("fetch", {})),
        infrastructure_class=spec.get("class"),
    )


def load_layer(spec: LayerSpec | str) -> gpd.GeoDataFrame:
    """The data of a layer, loaded, validated and filtered by its spec."""
    from .load import load_countries, load_sites
    from .select import filter_sites

    if isinstance(spec, str):
        spec = load_layer_spec(spec)
    if spec.kind in FETCHED_KINDS:
        return _fetched_layer(spec)
    if spec.kind == "sites":
        gdf = load_sites(spec.source_path)
        return filter_sites(gdf, **spec.filter)
    return load_countries(spec.source_path)


def _fetched_layer(spec: LayerSpec) -> gpd.GeoDataFrame:
    """A layer read from the download cache (``minetrack fetch``), never the network."""
    from .federal import read_federal_land
    from .fetch import cached_path
    from .infrastructure import read_infrastructure

    options = {k: v for k, v in spec.fetch.items() if k in ("state", "region")}
    path = cached_path(spec.fetch["source"], **options)
    if not path.exists():
        flags = " ".join(f"--{k} {v}" for k, v in options.items())
        raise DataError([Problem(str(spec.path), 0, "fetch", f"{path} is not downloaded yet: run "
                                 f"`minetrack fetch {spec.fetch['source']}{' ' + flags if flags else ''}`")])
    if spec.kind == "federal-land":
        return read_federal_land(path)
    return read_infrastructure(path, klass=spec.infrastructure_class)
