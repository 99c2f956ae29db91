"""The bundled layer specs and map recipes, listed (``minetrack layers``)."""

from __future__ import annotations

import pandas as pd

from geo.specs.layer import layer_names, load_layer_spec
from geo.specs.recipe import load_recipe, recipe_names


def catalogue() -> pd.DataFrame:
    """One row per layer spec and map recipe: ``what`` (layer or map), ``name``,
    ``kind`` (a layer's kind; a map's output file), ``title`` and ``description``."""
    rows = []
    for name in layer_names():
        spec = load_layer_spec(name)
        rows.append(("layer", name, spec.kind, spec.title, spec.description))
    for name in recipe_names():
        r = load_recipe(name)
        rows.append(("map", name, r.file, r.title, r.description))
    return pd.DataFrame(rows, columns=["what", "name", "kind", "title", "description"])
