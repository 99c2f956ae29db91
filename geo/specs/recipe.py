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

RECIPE_KEYS = ("title", "description", "file", "layers", "view")
VIEW_KEYS = ("bounds", "center", "zoom", "insets")
INSET_KEYS = ("title", "bounds")


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
    view: dict[str, Any] | None = None
    """The view the map opens with (``bounds`` or ``center`` and ``zoom``) and its
    ``insets``, checked by :func:`parse_view`; None: fitted to what the layers draw."""


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
    view, view_problems = parse_view(raw.get("view"), file)
    problems += view_problems
    if problems:
        raise DataError(problems)
    return Recipe(
        name=path.stem, title=raw["title"], description=raw.get("description", ""),
        file=raw.get("file", f"{path.stem.replace('_', '-')}.html"),
        layers=tuple(layers), path=path, view=view,
    )


def _numbers(value: Any, n: int) -> bool:
    return (isinstance(value, list) and len(value) == n
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value))


def _bounds_problems(value: Any, file: str, key: str) -> list[Problem]:
    if not _numbers(value, 4):
        return [Problem(file, 0, key, "give [west, south, east, north] in degrees")]
    west, south, east, north = value
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        return [Problem(file, 0, key, "needs -180 <= west < east <= 180 and -90 <= south < north <= 90")]
    return []


def parse_view(raw: Any, file: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    """A recipe's ``[view]`` table, checked: either ``bounds = [west, south, east, north]``
    (fitted to the reader's screen) or ``center = [lat, lon]`` with ``zoom``, and optional
    ``[[view.insets]]`` (``title``, ``bounds``): small maps of areas outside the main
    view, such as Alaska beside the lower 48, kept only where the map draws a site.

    Returns the view (None when the recipe has none) and the problems found.
    """
    if raw is None:
        return None, []
    if not isinstance(raw, dict):
        return None, [Problem(file, 0, "view", "must be a table ([view])")]
    problems = [Problem(file, 0, f"view.{k}", f"unknown view key (one of {', '.join(VIEW_KEYS)})")
                for k in sorted(set(raw) - set(VIEW_KEYS))]
    view: dict[str, Any] = {}
    if "bounds" in raw:
        problems += _bounds_problems(raw["bounds"], file, "view.bounds")
        view["bounds"] = [float(v) for v in raw["bounds"]] if _numbers(raw["bounds"], 4) else None
        if "center" in raw or "zoom" in raw:
            problems.append(Problem(file, 0, "view", "give bounds, or center and zoom, not both"))
    elif "center" in raw or "zoom" in raw:
        center, zoom = raw.get("center"), raw.get("zoom")
        if not (_numbers(center, 2) and -90 <= center[0] <= 90 and -180 <= center[1] <= 180):
            problems.append(Problem(file, 0, "view.center", "give [latitude, longitude] in degrees"))
        if not (isinstance(zoom, (int, float)) and not isinstance(zoom, bool) and 0 <= zoom <= 18):
            problems.append(Problem(file, 0, "view.zoom", "give a zoom level from 0 to 18"))
        view["center"], view["zoom"] = center, zoom
    else:
        problems.append(Problem(file, 0, "view", "give bounds = [west, south, east, north], "
                                                 "or center = [lat, lon] and zoom"))
    insets = raw.get("insets", [])
    if not isinstance(insets, list):
        problems.append(Problem(file, 0, "view.insets", "must be a list of tables ([[view.insets]])"))
        insets = []
    view["insets"] = []
    for n, inset in enumerate(insets, start=1):
        where = f"view.insets[{n}]"
        if not isinstance(inset, dict):
            problems.append(Problem(file, 0, where, "must be a table with title and bounds"))
            continue
        problems += [Problem(file, 0, f"{where}.{k}", f"unknown inset key (one of {', '.join(INSET_KEYS)})")
                     for k in sorted(set(inset) - set(INSET_KEYS))]
        if not isinstance(inset.get("title"), str) or not inset["title"].strip():
            problems.append(Problem(file, 0, f"{where}.title", "give the inset's title"))
        bad = _bounds_problems(inset.get("bounds"), file, f"{where}.bounds")
        problems += bad
        if not bad:
            view["insets"].append({"title": str(inset.get("title", "")),
                                   "bounds": [float(v) for v in inset["bounds"]]})
    return (None if problems else view), problems
