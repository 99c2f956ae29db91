"""Shared fixtures: a writable copy of the bundled data folder, and a CLI runner."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from geo.paths import data_dir


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A copy of the bundled CSV tables in a temp folder, for tests that break them."""
    out = tmp_path / "data"
    out.mkdir()
    for path in data_dir().glob("*.csv"):
        shutil.copy(path, out / path.name)
    return out


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def write(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def recipe_sites(name: str, visible_only: bool = False):
    """The sites a recipe draws: each point layer's spec filter, then the recipe's own
    (``visible_only``: only the layers shown when the map opens)."""
    import pandas as pd

    from geo import filter_sites, load_sites
    from geo.layers import load_layer_spec
    from geo.recipes import load_recipe

    sites = load_sites()
    parts = []
    for layer in load_recipe(name).layers:
        spec = load_layer_spec(layer.layer)
        if spec.kind != "sites" or (visible_only and not layer.show):
            continue
        parts.append(filter_sites(filter_sites(sites, **spec.filter), **layer.filter))
    return pd.concat(parts) if parts else sites.iloc[0:0]
