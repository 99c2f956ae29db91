"""The house: wings import only the wings before them, no loops, few floors; the API
mirrors the CLI; start-up stays light; each data file is read once."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import geo

PACKAGE = Path(geo.__file__).parent
WINGS = ("core", "io", "spatial", "facts", "specs", "query", "maps", "cli")
RANK = {"core": 0, "io": 1, "spatial": 2, "facts": 3, "specs": 4, "query": 5, "maps": 5, "cli": 6}
"""Floors: query and maps share one (neither imports the other)."""


def modules() -> dict[str, set[str]]:
    """Every geo module and the geo modules it imports (anywhere in the file)."""
    out = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(("geo", *path.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(".__init__")
        deps = set()
        tree = ast.parse(path.read_text())
        # Imports for type checkers only (``if TYPE_CHECKING:``) do not run.
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
                node.body = []
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("geo"):
                deps.add(node.module)
            elif isinstance(node, ast.Import):
                deps |= {a.name for a in node.names if a.name.startswith("geo.")}
        out[name] = deps
    return out


def wing(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in RANK else None


def test_wings_import_only_wings_below_them():
    wrong = [(m, d) for m, deps in modules().items() for d in deps
             if wing(m) and wing(d) and RANK[wing(d)] > RANK[wing(m)]]
    siblings = [(m, d) for m, deps in modules().items() for d in deps
                if wing(m) != wing(d) and wing(m) and wing(d) and RANK[wing(d)] == RANK[wing(m)]]
    assert not wrong and not siblings, wrong + siblings


def test_no_import_loops_and_few_floors():
    known = modules()
    graph = {m: {d for d in deps if d in known and d != m and d != "geo"} for m, deps in known.items()}

    done: dict[str, int] = {}

    def depth(m: str, trail: tuple[str, ...] = ()) -> int:
        assert m not in trail, f"import loop: {' -> '.join((*trail, m))}"
        if m not in done:
            done[m] = 1 + max((depth(d, (*trail, m)) for d in graph[m]), default=0)
        return done[m]

    floors = max(depth(m) for m in graph)
    wing_floors = 1 + max(RANK.values())
    assert wing_floors <= 7
    # Modules stack higher than wings (a wing has a few floors of its own), but stay bounded.
    assert floors <= 12, floors


def test_every_command_has_its_api_function():
    from geo.cli import COMMANDS, main

    assert set(COMMANDS) == set(main.commands) == set(geo.VERBS)
    for command, function in geo.VERBS.items():
        assert function in geo.__all__ and callable(getattr(geo, function)), command
        assert getattr(geo, function).__doc__, function


def test_help_imports_no_heavy_library():
    code = ("import sys; from geo.cli import main\n"
            "libs = ('pandas', 'geopandas', 'shapely', 'pyogrio', 'folium', 'scipy')\n"
            "heavy = [m for m in libs if m in sys.modules]\n"
            "print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_facts_read_each_table_once(monkeypatch, tmp_path):
    import pandas as pd

    from geo.facts.bundle import Facts

    # An empty cache: a warm one would hand the Facts back without reading any table.
    monkeypatch.setenv("MINETRACK_CACHE", str(tmp_path / "cache"))
    opened: list[str] = []
    real = pd.read_csv

    def counting(path, *args, **kwargs):
        opened.append(Path(path).name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(pd, "read_csv", counting)
    facts = Facts.from_dir()
    assert len(facts.sites) > 100 and facts.events is not None and facts.spheres is not None
    assert sorted(opened) == sorted(set(opened)), opened
    assert {"sites.csv", "sources.csv", "owners.csv", "ownership.csv", "spheres.csv"} <= set(opened)
