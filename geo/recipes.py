"""Map recipes: which layers a map shows, filtered and coloured how, under what title.

A recipe is one TOML file in ``maps/`` (see ``maps/us_copper.toml``). Adding a
map is adding a file; ``minetrack build`` renders every recipe.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import DataError, Problem
from .layers import layer_names, read_toml
from .paths import maps_dir


@dataclass(frozen=True)
class RecipeLayer:
    """One layer drawn by a recipe."""

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


def load_recipe(name_or_path: str | Path) -> Recipe:
    """A recipe by bundled name (``us_copper``) or by path to a TOML file."""
    path = Path(name_or_path)
    if path.suffix != ".toml":
        path = maps_dir() / f"{name_or_path}.toml"
        if not path.exists():
            raise KeyError(f"unknown map recipe {name_or_path!r}; recipes: "
                           f"{', '.join(recipe_names())}")
    raw = read_toml(path)
    problems = [Problem(str(path), 0, k, "required key is missing")
                for k in ("title", "layers") if k not in raw]
    known = set(layer_names())
    layers = []
    for n, item in enumerate(raw.get("layers", []), start=1):
        if item.get("layer") not in known:
            problems.append(Problem(str(path), 0, f"layers[{n}].layer",
                                    f"unknown layer {item.get('layer')!r}"))
            continue
        layers.append(RecipeLayer(
            layer=item["layer"], filter=dict(item.get("filter", {})),
            color_by=item.get("color_by"), group_by=item.get("group_by"),
            size_by=item.get("size_by"), title=item.get("title"),
            bins=tuple(item["bins"]) if "bins" in item else None,
            colors=tuple(item["colors"]) if "colors" in item else None,
            popup=tuple(item["popup"]) if "popup" in item else None,
            unit=item.get("unit", ""), show=item.get("show", True),
        ))
        if item.get("bins") and len(item.get("colors", ())) != len(item["bins"]):
            problems.append(Problem(str(path), 0, f"layers[{n}].colors",
                                    "needs one colour per bin"))
    if problems:
        raise DataError(problems)
    return Recipe(
        name=path.stem, title=raw["title"], description=raw.get("description", ""),
        file=raw.get("file", f"{path.stem.replace('_', '-')}.html"),
        layers=tuple(layers), path=path,
    )
