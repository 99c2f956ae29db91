"""Map recipes: which layers a map shows, filtered and coloured how, under what title.

A recipe is one TOML file in ``maps/`` (see ``maps/us_copper.toml``). Adding a
map is adding a file; ``minetrack build`` renders every recipe. A recipe given by
path finds its layer specs in the ``layers/`` folder beside its own folder first,
then among the bundled layers. Every key is checked against what the layer's kind
uses (:mod:`geo.specs.kinds`); anything else is refused with the file and key.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geo.core.errors import DataError, MinetrackError, Problem, UnknownNameError, display_path
from geo.core.paths import maps_dir
from geo.core.toml import read_toml
from geo.specs.kinds import kind_of
from geo.specs.layer import LayerSpec, load_layer_spec

RECIPE_KEYS = ("title", "description", "file", "layers")


@dataclass(frozen=True)
class RecipeLayer:
    """One layer drawn by a recipe (``where`` and ``file`` say where it is written)."""

    layer: str
    filter: dict[str, Any] = field(default_factory=dict)
    color_by: str | None = None
    group_by: str | None = None
    size_by: str | None = None
    title: str | None = None
    bins: tuple[float, ...] | None = None
    colors: tuple[str, ...] | None = None
    popup: tuple[str, ...] | None = None
    unit: str = ""
    show: bool = True
    where: str = "layers"
    file: str = ""
    spec: LayerSpec | None = None


@dataclass(frozen=True)
class Recipe:
    """A parsed map recipe."""

    name: str
    title: str
    description: str
    file: str
    layers: tuple[RecipeLayer, ...]
    path: Path | None = None


def recipe_names() -> list[str]:
    """Names (file stems) of the bundled recipes."""
    return sorted(p.stem for p in maps_dir().glob("*.toml"))


def _layers_folder(path: Path) -> Path | None:
    folder = path.resolve().parent.parent / "layers"
    return folder if folder.is_dir() else None


def load_recipe(name_or_path: str | Path) -> Recipe:
    """A recipe by bundled name (``us_copper``) or by path to a TOML file."""
    path = Path(name_or_path)
    if path.suffix != ".toml":
        path = maps_dir() / f"{name_or_path}.toml"
        if not path.exists():
            raise UnknownNameError(f"unknown map recipe {name_or_path!r}; recipes: "
                                   f"{', '.join(recipe_names())}")
    raw = read_toml(path)
    file = display_path(path)
    problems = [Problem(file, 0, k, "required key is missing") for k in ("title", "layers") if k not in raw]
    problems += [Problem(file, 0, k, f"unknown recipe key (one of {', '.join(RECIPE_KEYS)})")
                 for k in sorted(set(raw) - set(RECIPE_KEYS))]
    folder = _layers_folder(path)
    layers = []
    for n, item in enumerate(raw.get("layers", []), start=1):
        where = f"layers[{n}]"
        try:
            spec = load_layer_spec(str(item.get("layer")), folder)
        except UnknownNameError:
            problems.append(Problem(file, 0, f"{where}.layer", f"unknown layer {item.get('layer')!r}"))
            continue
        except MinetrackError as exc:
            problems += getattr(exc, "problems", [Problem(file, 0, f"{where}.layer", str(exc))])
            continue
        kind = kind_of(spec.kind)
        allowed = ("layer", *kind.recipe_keys)
        bad = sorted(set(item) - set(allowed))
        problems += [Problem(file, 0, f"{where}.{k}", f"not used by a {kind.name} layer "
                             f"(it takes: {', '.join(allowed)})") for k in bad]
        if bad:
            continue
        if "source" in item:
            # The recipe draws its own file through the spec: a path relative to the recipe.
            here = path.resolve().parent
            own = Path(str(item["source"]))
            mapping = str(here / item["mapping"]) if "mapping" in item else spec.mapping
            spec = dataclasses.replace(spec, source=str(own if own.is_absolute() else here / own),
                                       preset=item.get("preset", spec.preset), mapping=mapping)
            if not Path(spec.source).exists():
                problems.append(Problem(file, 0, f"{where}.source", f"no such file: {spec.source}"))
                continue
        layer = RecipeLayer(
            layer=item["layer"], filter=dict(item.get("filter", {})),
            color_by=item.get("color_by"), group_by=item.get("group_by"),
            size_by=item.get("size_by"), title=item.get("title"),
            bins=tuple(item["bins"]) if "bins" in item else None,
            colors=tuple(item["colors"]) if "colors" in item else None,
            popup=tuple(item["popup"]) if "popup" in item else None,
            unit=item.get("unit", ""), show=item.get("show", True), where=where, file=file, spec=spec,
        )
        if layer.bins and len(layer.colors or ()) != len(layer.bins):
            problems.append(Problem(file, 0, f"{where}.colors", "needs one colour per bin"))
        problems += kind.check_layer(layer, spec, where, file)
        layers.append(layer)
    if problems:
        raise DataError(problems)
    return Recipe(
        name=path.stem, title=raw["title"], description=raw.get("description", ""),
        file=raw.get("file", f"{path.stem.replace('_', '-')}.html"),
        layers=tuple(layers), path=path,
    )
