"""Layer specs: what each layer is, where its data live and how it is drawn.

A layer is one TOML file in a ``layers/`` folder (the bundled one, or a folder of
the user's beside their ``maps/``). It either names a ``source`` and its ``kind``
(see :mod:`geo.specs.kinds`), or ``extends`` another layer with a ``filter``.
Every key is checked: a key the kind does not use is refused with one line naming
the file and the key, so that nothing in a spec is silently ignored.

``source`` is a path relative to the ``data/`` folder beside the spec's
``layers/`` folder, or absolute; bundled specs read the data folder in use (the
bundled ``data/`` unless the Facts come from another folder).
Fetched kinds (infrastructure, federal land) name a ``[fetch]`` source instead and
are read from the download cache, never the network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd

from geo.core.errors import DataError, Problem, UnknownNameError, display_path
from geo.core.paths import data_dir, layers_dir
from geo.core.toml import read_toml
from geo.specs.kinds import KINDS, kind_of

COMMON_KEYS = ("name", "title", "description", "kind", "extends")


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
    preset: str | None = None
    mapping: str | None = None
    raster: dict[str, Any] = field(default_factory=dict)
    """Raster layers: ``style``, ``opacity``, ``max_bytes``, ``attribution``."""
    dem: dict[str, Any] = field(default_factory=dict)
    """Raster layers drawn from fetched DEM tiles: ``source`` and ``bbox``."""

    @property
    def source_path(self) -> Path:
        """The source file, with bundled specs reading the bundled ``data/``."""
        return self.source_in(None)

    def source_in(self, data_folder: Path | None) -> Path:
        """The source file when ``data_folder`` is the data in use: a relative source of a
        bundled spec resolves there (default: the bundled ``data/``); one of a user's spec
        relative to the spec's own folder, or, where no such file is, in the ``data/``
        folder beside its ``layers/`` folder."""
        return self._resolve(self.source, data_folder)

    def mapping_path(self) -> Path | None:
        """The ``mapping`` file a user's spec names, resolved like its source."""
        return self._resolve(self.mapping, None) if self.mapping else None

    def _resolve(self, name: str, data_folder: Path | None) -> Path:
        src = Path(name)
        if src.is_absolute() or self.path is None:
            return src
        if self.path.parent.resolve() == layers_dir().resolve():
            return Path(data_folder or data_dir()) / src
        beside = self.path.parent / src
        if beside.exists():
            return beside
        return self.path.parent.parent / "data" / src

    @property
    def file(self) -> str:
        """The spec's path as problems print it."""
        return display_path(self.path) if self.path else self.name


def layer_names(folder: Path | str | None = None) -> list[str]:
    """Names of the layers in ``folder`` and the bundled ``layers/``."""
    folders = [Path(folder)] if folder else []
    return sorted({p.stem for f in [*folders, layers_dir()] for p in f.glob("*.toml")})


def _find(name: str, folder: Path | str | None) -> Path:
    for candidate in ([Path(folder)] if folder else []) + [layers_dir()]:
        path = candidate / f"{name}.toml"
        if path.exists():
            return path
    raise UnknownNameError(f"unknown layer {name!r}; layers: {', '.join(layer_names(folder))}")


def load_layer_spec(name: str, folder: Path | str | None = None, _seen: tuple[str, ...] = ()) -> LayerSpec:
    """The spec of layer ``name`` (``folder`` first, then the bundled layers), with
    ``extends`` resolved (filters are combined) and every key checked."""
    path = _find(name, folder)
    raw = read_toml(path)
    file = display_path(path)
    base: dict[str, Any] = {}
    if "extends" in raw:
        parent_name = raw["extends"]
        if parent_name in _seen or parent_name == name:
            raise DataError([Problem(file, 0, "extends", f"layer {name!r} extends itself")])
        parent = load_layer_spec(parent_name, folder if folder else path.parent, (*_seen, name))
        base = {k: getattr(parent, k) for k in LayerSpec.__dataclass_fields__}
        base["class"] = base.pop("infrastructure_class")
        raw = {**raw, "filter": {**parent.filter, **raw.get("filter", {})}}
    spec = {**{k: v for k, v in base.items() if v not in (None, "", (), {}) or k == "kind"},
            **{k: v for k, v in raw.items() if k != "extends"}}
    spec.pop("path", None)
    if "kind" not in spec:
        raise DataError([Problem(file, 0, "kind", f"required key is missing (one of {', '.join(KINDS)})")])
    kind = kind_of(spec["kind"], file)
    allowed = set(COMMON_KEYS) | set(kind.spec_keys)
    unknown = sorted(k for k in raw if k not in allowed)
    if unknown:
        raise DataError([Problem(file, 0, k, f"key not used by a {kind.name} layer (it takes: "
                                 f"{', '.join(sorted(allowed - {'extends'}))})") for k in unknown])
    spec = kind.defaults(spec)
    missing = [k for k in ("name", *kind.required_keys) if k not in spec]
    if missing:
        raise DataError([Problem(file, 0, k, "required key is missing") for k in missing])
    layer = LayerSpec(
        name=spec["name"],
        title=spec.get("title", spec["name"]),
        description=spec.get("description", ""),
        kind=spec["kind"],
        source=spec.get("source", ""),
        id_field=spec.get("id_field", ""),
        label_field=spec.get("label_field", ""),
        popup_fields=tuple(spec.get("popup_fields", ())),
        palettes=dict(spec.get("palettes", {})),
        size=dict(spec.get("size", {})),
        filter=dict(spec.get("filter", {})),
        path=path,
        fetch=dict(spec.get("fetch", {})),
        infrastructure_class=spec.get("class"),
        preset=spec.get("preset"),
        mapping=spec.get("mapping"),
        raster=dict(spec.get("raster", {})),
        dem=dict(spec.get("dem", {})),
    )
    kind.check_spec(layer)
    return layer


def load_layer(spec: LayerSpec | str, facts=None, folder: Path | str | None = None) -> gpd.GeoDataFrame:
    """The data of a layer, loaded from the spec's source, validated and filtered by it.

    ``facts`` (:class:`geo.facts.bundle.Facts`) is used where the source is one of
    its tables, so bundled layers carry the joined sphere and statistics columns.
    """
    if isinstance(spec, str):
        spec = load_layer_spec(spec, folder)
    return kind_of(spec.kind).load(spec, facts)
