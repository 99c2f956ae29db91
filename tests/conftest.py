"""Shared fixtures: a writable copy of the bundled data folder, and a CLI runner."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from geo.core.paths import data_dir


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


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """The default site, built once per test session with ``minetrack build`` (as a user
    would) and shared by every test that reads the built maps; treat it as read-only."""
    from geo.cli import main

    out = tmp_path_factory.mktemp("site")
    result = CliRunner().invoke(main, ["build", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def recipe_sites(name: str, visible_only: bool = False):
    """The sites a recipe draws, taken from the specs themselves: each point layer's
    source file as its spec names it, its spec filter, then the recipe's own
    (``visible_only``: only the layers shown when the map opens)."""
    import pandas as pd

    from geo.core.paths import layers_dir, maps_dir
    from geo.core.toml import tomllib
    from geo.facts.select import filter_sites
    from geo.facts.sites import load_sites

    def spec(layer_name: str) -> dict:
        raw = tomllib.loads((layers_dir() / f"{layer_name}.toml").read_text())
        if "extends" in raw:
            parent = spec(raw["extends"])
            return {**parent, **raw, "filter": {**parent.get("filter", {}), **raw.get("filter", {})}}
        return raw

    recipe = tomllib.loads((maps_dir() / f"{name}.toml").read_text())
    parts = []
    for layer in recipe["layers"]:
        s = spec(layer["layer"])
        if s["kind"] != "sites" or (visible_only and not layer.get("show", True)):
            continue
        rows = load_sites(data_dir() / s["source"])
        flt = dict(layer.get("filter", {}))
        box = flt.pop("bbox", None)
        rows = filter_sites(filter_sites(rows, **s.get("filter", {})), **flt)
        if box is not None:  # the oracle's own box test, on the table's coordinates
            w, so, e, n = box
            rows = rows[rows["longitude"].between(w, e) & rows["latitude"].between(so, n)]
        parts.append(rows)
    return pd.concat(parts) if parts else load_sites().iloc[0:0]


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL + PostGIS server for the whole session (see tests/pg.py)."""
    import pg

    why = pg.unavailable()
    if why:
        pytest.skip(f"PostGIS store tests need a server: {why}")
    with pg.cluster() as url:
        yield url


@pytest.fixture(scope="session")
def pg_template(pg_server) -> str:
    """A template database with PostGIS installed."""
    import pg

    return pg.make_template(pg_server, "mt_template")


@pytest.fixture
def pg_url(pg_server, pg_template):
    """A fresh database with PostGIS and nothing else."""
    import pg

    with pg.fresh_database(pg_server, pg_template) as url:
        yield url


@pytest.fixture(scope="session")
def pg_bundled_template(pg_server) -> str:
    """A template database holding a store of the bundled data."""
    import pg

    from geo.facts.store import Store

    return pg.make_template(pg_server, "mt_bundled", lambda url: Store.init(url, from_bundled=True))


@pytest.fixture
def pg_bundled_url(pg_server, pg_bundled_template):
    """A fresh database holding a store of the bundled data."""
    import pg

    with pg.fresh_database(pg_server, pg_bundled_template) as url:
        yield url


@pytest.fixture(scope="module")
def chromium():
    """One Debian Chromium per test module (skipped, saying why, where it is missing)."""
    from browser import browser, chromium_available

    if not chromium_available():
        pytest.skip("Debian chromium is not installed (.ci/run installs it: apt-get install chromium)")
    with browser() as b:
        yield b
