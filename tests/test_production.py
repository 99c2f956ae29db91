"""production.csv: the bundled table validates, its references resolve, bad rows are refused
with one-line messages, and coverage is computed from the rows (never a stored figure)."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import read, write

from geo.core.errors import DataError
from geo.core.paths import data_dir
from geo.facts.bundle import Facts, check_dataset
from geo.facts.production import (
    BASES,
    UNITS,
    coverage,
    load_production,
    mine_output,
    refined_output,
    world_totals,
)
from geo.facts.stats import production_coverage


@pytest.fixture(scope="module")
def facts():
    return Facts.from_dir()


def test_bundled_table_validates_and_resolves(facts):
    prod = facts.production
    assert prod is not None and len(prod) > 0
    assert set(prod["site"]) <= set(facts.sites["id"])
    assert set(prod["source"]) <= set(facts.sources["id"])
    assert prod["unit"].isin(UNITS).all() and prod["basis"].isin(BASES).all()
    assert prod["year"].between(2000, 2030).all()
    assert not prod.duplicated(["site", "year", "commodity", "basis"]).any()


def test_new_sources_are_primary_documents_not_home_pages(facts):
    """Sources production.csv cites: a document URL (a path beyond the host), never an
    encyclopedia or a ranking page."""
    cited = facts.sources[facts.sources["id"].isin(facts.production["source"])]
    assert len(cited) == facts.production["source"].nunique()
    path = cited["url"].str.replace(r"^https?://[^/]+/?", "", regex=True)
    assert (path.str.len() > 0).all(), cited.loc[path.str.len() == 0, "id"].tolist()
    assert not cited["url"].str.contains("wiki|grokipedia|zvenia|rashamehr", case=False).any()


def test_quantities_convert_with_stated_factors(facts):
    prod = facts.production
    pounds = prod[prod["unit"] == "Mlb"]
    if len(pounds):
        assert pounds["tonnes"].to_numpy() == pytest.approx(pounds["quantity"].to_numpy() * 453.59237)
    tonnes = prod[prod["unit"] == "t"]
    assert tonnes["kt"].to_numpy() == pytest.approx(tonnes["quantity"].to_numpy() / 1000.0)


def _broken(data_copy, **cells):
    frame = read(data_copy / "production.csv")
    for field, value in cells.items():
        frame.loc[0, field] = value
    write(frame, data_copy / "production.csv")
    return [p for p in check_dataset(data_copy) if p.file.endswith("production.csv")]


@pytest.mark.parametrize("field,value,expect", [
    ("site", "no-such-mine", "unknown site id 'no-such-mine'"),
    ("source", "no-such-doc", "unknown source id 'no-such-doc'"),
    ("year", "1890", "year 1890 is outside"),
    ("year", "twenty", "expected a whole number"),
    ("unit", "tonnes", "unknown unit 'tonnes'"),
    ("basis", "guess", "unknown basis 'guess'"),
    ("quantity", "-5", "negative quantity"),
    ("quantity", "", "required value is empty"),
])
def test_bad_cell_is_one_problem_naming_file_row_and_field(data_copy, field, value, expect):
    problems = _broken(data_copy, **{field: value})
    assert len(problems) == 1, problems
    p = problems[0]
    assert p.row == 2 and p.field == field and expect in p.message
    assert "\n" not in str(p) and str(p).startswith(f"{p.file}:2 [{field}]")


def test_duplicate_site_year_basis_is_refused_with_the_first_row(data_copy):
    frame = read(data_copy / "production.csv")
    frame = pd.concat([frame, frame.iloc[[0]]], ignore_index=True)
    write(frame, data_copy / "production.csv")
    problems = [p for p in check_dataset(data_copy) if p.file.endswith("production.csv")]
    assert len(problems) == 1
    assert problems[0].row == len(frame) + 1 and "given twice (first at row 2)" in problems[0].message


def test_bad_table_raises_data_error_not_traceback(data_copy, runner):
    from geo.cli import main

    _broken(data_copy, unit="furlongs")
    with pytest.raises(DataError):
        load_production(data_copy / "production.csv")
    result = runner.invoke(main, ["validate", str(data_copy)])
    assert result.exit_code == 1
    lines = [ln for ln in result.output.splitlines() if "production.csv" in ln]
    assert len(lines) == 1 and "[unit]" in lines[0] and "Traceback" not in result.output


def _tiny():
    sites = pd.DataFrame({"id": ["a", "b", "r"], "type": ["mine", "mine", "refinery"],
                          "sphere": ["X", "Y", "X"]})
    prod = pd.DataFrame({
        "site": ["a", "a", "a", "b", "b", "r"],
        "year": [2024, 2024, 2024, 2024, 2023, 2024],
        "commodity": ["copper"] * 6,
        "basis": ["concentrate", "cathode", "payable", "concentrate", "cathode", "refined"],
        "kt": [100.0, 20.0, 115.0, 50.0, 10.0, 300.0],
    })
    world = world_totals(pd.DataFrame({"iso_a3": ["WLD", "CHL"], "mine_2024_kt": [1000.0, 500.0],
                                       "refinery_2024_kt": [2000.0, 10.0]}))
    return sites, prod, world


def test_mine_output_prefers_a_whole_figure_else_adds_parts():
    sites, prod, _ = _tiny()
    out = mine_output(prod, sites).set_index(["site", "year"])
    assert out.at[("a", 2024), "kt"] == 115.0 and out.at[("a", 2024), "basis"] == "payable"
    assert out.at[("b", 2024), "kt"] == 50.0 and out.at[("b", 2023), "kt"] == 10.0
    assert "r" not in out.index.get_level_values("site")  # refineries are not mines


def test_coverage_is_the_sum_of_site_figures_over_the_world_total():
    sites, prod, world = _tiny()
    cov = coverage(prod, sites, world).set_index("year")
    assert cov.at[2024, "value_kt"] == 165.0 and cov.at[2024, "coverage_pct"] == 16.5
    assert pd.isna(cov.at[2023, "world_kt"])  # no USGS total for 2023 in this table
    by = coverage(prod, sites, world, by="sphere").set_index(["year", "sphere"])
    assert by.at[(2024, "X"), "share_pct"] == pytest.approx(100 * 115 / 165, abs=0.05)
    refined = coverage(prod, sites, world, measure="refined").set_index("year")
    assert refined.at[2024, "value_kt"] == 320.0 and refined.at[2024, "coverage_pct"] == 16.0
    assert len(refined_output(prod)) == 3


def test_world_totals_read_every_year_column_and_fall_back():
    main = pd.DataFrame({"iso_a3": ["WLD"], "mine_2024_kt": ["23000"], "mine_2023_kt": ["22600"]})
    five = pd.DataFrame({"iso_a3": ["WLD"], "mine_2020_kt": ["20600"], "mine_2024_kt": ["1"]})
    world = world_totals(main, five).set_index("year")
    assert world.loc[[2020, 2023, 2024], "mine_kt"].tolist() == [20600.0, 22600.0, 23000.0]
    assert world_totals(None).empty


def _hand_sum(production_csv, sites_csv) -> dict[int, float]:
    """Mine output per year recomputed from the raw CSV rows with plain Python: per mine
    and year the first of contained/payable/recoverable, else concentrate + cathode."""
    import csv

    with open(sites_csv, encoding="utf-8") as fh:
        mines = {r["id"] for r in csv.DictReader(fh) if r["type"] == "mine"}
    with open(production_csv, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    per: dict[tuple[str, int], dict[str, float]] = {}
    for r in rows:
        if r["site"] in mines and r["commodity"].lower() == "copper":
            kt = float(r["quantity"]) * UNITS[r["unit"]] / 1000.0
            per.setdefault((r["site"], int(r["year"])), {})[r["basis"]] = kt
    totals: dict[int, float] = {}
    for (_, year), bases in per.items():
        whole = [bases[b] for b in ("contained", "payable", "recoverable") if b in bases]
        value = whole[0] if whole else bases.get("concentrate", 0.0) + bases.get("cathode", 0.0)
        totals[year] = totals.get(year, 0.0) + value
    return totals


def test_bundled_coverage_agrees_with_the_rows(facts):
    """Each year's coverage is recomputed here from the raw rows and the USGS table, and
    must equal what `spheres --by-year` reports; the spheres add up to the year's total."""
    table = production_coverage("host", facts=facts)
    world: dict[str, float] = {}
    for path in sorted(data_dir().glob("copper_usgs_mcs*.csv"), reverse=True):  # newest edition first
        for column, value in pd.read_csv(path).set_index("iso_a3").loc["WLD"].items():
            world.setdefault(column, value)
    totals = _hand_sum(data_dir() / "production.csv", data_dir() / "sites.csv")
    assert totals and set(totals) == set(table["year"])
    for year, value in totals.items():
        row = table[(table["year"] == year) & (table["sphere"] == "all")].iloc[0]
        # the table rounds to 0.1, so a half-way sum can differ by exactly 0.05
        tol = 0.05 + 1e-9
        assert row["value_kt"] == pytest.approx(value, abs=tol)
        column = f"mine_{year}_kt"
        if column in world:
            assert row["coverage_pct"] == pytest.approx(100 * value / world[column], abs=tol)
        else:
            assert pd.isna(row["coverage_pct"])
        spheres = table[(table["year"] == year) & (table["sphere"] != "all")]
        assert spheres["value_kt"].sum() == pytest.approx(value, abs=0.5)


def test_spheres_by_year_cli_prints_coverage(runner, facts):
    from geo.cli import main

    result = runner.invoke(main, ["spheres", "--by-year"])
    assert result.exit_code == 0, result.output
    last = max(facts.production["year"])
    assert f"production.csv {last} mine output" in result.output
    result = runner.invoke(main, ["spheres", "--by-year", "--format", "json"])
    assert result.exit_code == 0 and '"coverage_pct"' in result.output


def test_spheres_by_year_refined_and_refused_measure(runner):
    from geo.cli import main

    result = runner.invoke(main, ["spheres", "--measure", "refined", "--format", "csv"])
    assert result.exit_code == 0 and "refined" in result.output
    result = runner.invoke(main, ["spheres", "--by-year", "--measure", "processing-capacity"])
    assert result.exit_code != 0
    assert "use --measure mine-output or refined" in result.output and "Traceback" not in result.output
