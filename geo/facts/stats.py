"""Country statistics (USGS Mineral Commodity Summaries) and shares by sphere.

Shares are always reported with their coverage: the summed figure of the sites
that have one, against the USGS world total, so a partial sum is never mistaken
for the world.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geo.core.columns import Column
from geo.core.errors import ArgumentError, DataError, Problem, display_path
from geo.core.paths import data_dir
from geo.core.tables import read_table
from geo.facts.checks import check_references
from geo.facts.spheres import RULES, SPHERES, UNATTRIBUTED, equity_split

STATS_FILE = "copper_usgs_mcs2025.csv"
WORLD, OTHER = "WLD", "OTH"  # rows kept for totals, never drawn as polygons

STAT_COLUMNS: tuple[Column, ...] = (
    Column("iso_a3", "str", True, "ISO alpha-3, or WLD (world total) / OTH (other countries)"),
    Column("country", "str", True, "name as USGS prints it"),
    Column("mine_2023_kt", "float", False, "mine production, kt copper content"),
    Column("mine_2024_kt", "float", False, "mine production (estimated), kt copper content"),
    Column("refinery_2023_kt", "float", False, "refinery production, kt copper"),
    Column("refinery_2024_kt", "float", False, "refinery production (estimated), kt copper"),
    Column("reserves_kt", "float", False, "reserves, kt copper content"),
    Column("sources", "list", True),
)

MEASURES = {
    "mine-output": {
        "types": ("mine",),
        "unit": "kt Cu",
        "world_column": "mine_2024_kt",
        "label": "mine output, kt copper content a year",
    },
    "processing-capacity": {
        "types": ("smelter", "refinery", "smelter+refinery", "recycling"),
        "unit": "kt/y",
        "world_column": "refinery_2024_kt",
        "label": "smelting/refining capacity, kt copper a year",
    },
}


def load_copper_stats(path: Path | str | None = None, *, known_iso: set[str] | None = None,
                      source_ids: set[str] | None = None) -> pd.DataFrame:
    """The USGS MCS 2025 copper table: production 2023-2024, reserves, per country (kt)."""
    path = Path(path) if path else data_dir() / STATS_FILE
    frame, problems = read_table(path, STAT_COLUMNS)
    name = display_path(path)
    if not problems:
        problems += check_references(frame, name, code_fields=("iso_a3",), known_iso=known_iso,
                                     extra_codes=(WORLD, OTHER), source_ids=source_ids)
        if WORLD not in set(frame["iso_a3"]):
            problems.append(Problem(name, 0, "iso_a3", "no world total row (WLD)"))
    if problems:
        raise DataError(problems)
    return frame


def country_shares(stats: pd.DataFrame) -> pd.DataFrame:
    """Countries (not WLD/OTH) with their share of world output and reserves, and ranks.

    Adds ``mine_2024_share_pct``, ``refinery_2024_share_pct``, ``reserves_share_pct``,
    ``reserves_rank`` and ``mine_2024_rank`` (1 = largest among listed countries).
    """
    world = stats.set_index("iso_a3").loc[WORLD]
    out = stats[~stats["iso_a3"].isin([WORLD, OTHER])].copy()
    for col in ("mine_2024_kt", "refinery_2024_kt", "reserves_kt"):
        out[col.replace("_kt", "_share_pct")] = 100.0 * out[col] / world[col]
    out["reserves_rank"] = out["reserves_kt"].rank(ascending=False, method="min").astype("Int64")
    out["mine_2024_rank"] = out["mine_2024_kt"].rank(ascending=False, method="min").astype("Int64")
    return out.reset_index(drop=True)


def measure_sites(sites: pd.DataFrame, measure: str) -> pd.DataFrame:
    """The sites that carry a figure for ``measure``, with it in ``value_kt``."""
    if measure not in MEASURES:
        raise ArgumentError(f"unknown measure {measure!r}; one of {', '.join(MEASURES)}")
    m = MEASURES[measure]
    unit = sites["capacity_unit"].fillna("")
    picked = (sites["type"].isin(m["types"]) & sites["capacity"].notna()
              & unit.str.startswith(m["unit"]))
    if measure == "mine-output":
        picked &= unit.eq(m["unit"])  # copper content only, not concentrate tonnes
    return sites[picked].assign(value_kt=sites.loc[picked, "capacity"].astype(float))


def sphere_shares(
    sites: pd.DataFrame,
    stakes: pd.DataFrame,
    spheres: pd.DataFrame,
    stats: pd.DataFrame,
    *,
    rule: str,
    measure: str,
) -> pd.DataFrame:
    """Share of ``measure`` held by each sphere under ``rule`` (host, owner or equity).

    ``sites`` must carry ``host_sphere`` and ``owner_sphere``
    (:func:`geo.spheres.site_spheres`). Columns: ``sphere``, ``value_kt``,
    ``share_pct`` (of the covered total), ``sites`` (count, fractional under the
    equity rule), ``covered_kt``, ``world_kt`` and ``coverage_pct`` (covered / world).
    """
    if rule not in RULES:
        raise ArgumentError(f"unknown rule {rule!r}; one of {', '.join(RULES)}")
    rows = measure_sites(sites, measure)
    if rule == "equity":
        split = equity_split(rows, stakes, spheres)
        weights = split.mul(rows.set_index("id")["value_kt"], axis=0)
        value = weights.sum()
        count = split.sum()
    else:
        col = f"{rule}_sphere"
        keyed = rows.assign(_s=rows[col].fillna(UNATTRIBUTED))
        value = keyed.groupby("_s")["value_kt"].sum()
        count = keyed.groupby("_s").size().astype(float)
    order = [*SPHERES, UNATTRIBUTED]
    value = value.reindex(order).fillna(0.0)
    count = count.reindex(order).fillna(0.0)
    covered = float(rows["value_kt"].sum())
    world = float(stats.set_index("iso_a3").at[WORLD, MEASURES[measure]["world_column"]])
    out = pd.DataFrame({
        "sphere": order,
        "value_kt": value.to_numpy().round(1),
        "share_pct": (100.0 * value / covered).to_numpy().round(2) if covered else 0.0,
        "sites": count.to_numpy().round(2),
    })
    out = out[(out["value_kt"] > 0) | out["sphere"].isin(SPHERES)]
    out["covered_kt"] = round(covered, 1)
    out["world_kt"] = world
    out["coverage_pct"] = round(100.0 * covered / world, 1) if world else float("nan")
    out["rule"] = rule
    out["measure"] = measure
    return out.reset_index(drop=True)


def spheres(rule: str = "host", measure: str = "mine-output", facts=None, sites=None) -> pd.DataFrame:
    """``minetrack spheres``: :func:`sphere_shares` of the bundled data (or ``facts``), or of
    a user's ``sites`` (imported; owners matched to the bundled owners by name)."""
    from geo.facts.bundle import Facts

    facts = facts or Facts.from_dir()
    if facts.spheres is None or facts.stats is None:
        raise ArgumentError("the data folder has no spheres.csv or USGS statistics file")
    if sites is None:
        return sphere_shares(facts.sites, facts.stakes, facts.spheres, facts.stats,
                             rule=rule, measure=measure)
    from geo.facts.ownership import stakes_from_owners
    from geo.facts.spheres import site_spheres

    stakes = stakes_from_owners(sites, facts.owners if facts.owners is not None else
                                pd.DataFrame(columns=["id", "name", "hq_country"]))
    with_spheres = site_spheres(sites, stakes, facts.spheres)
    return sphere_shares(with_spheres, stakes, facts.spheres, facts.stats, rule=rule, measure=measure)


def production_coverage(rule: str = "host", measure: str = "mine-output", facts=None) -> pd.DataFrame:
    """``minetrack spheres --by-year``: the figures of ``production.csv`` summed per year
    and per sphere of each site (``host`` or ``owner`` rule), with the USGS world total
    of each year that a statistics table in the data folder gives and the coverage.

    Columns as :func:`geo.facts.production.coverage` returns them, with ``sphere``; a
    data folder without ``production.csv`` gives an empty table.
    """
    from geo.facts.bundle import Facts
    from geo.facts.production import coverage, extra_world_tables, world_totals

    facts = facts or Facts.from_dir()
    if rule not in ("host", "owner"):
        raise ArgumentError(f"coverage by year is by the host or owner rule, not {rule!r}")
    if facts.production is None:
        return pd.DataFrame(columns=["year", "sphere", "sites", "value_kt", "world_kt",
                                     "coverage_pct", "share_pct"])
    extra = extra_world_tables(facts.directory) if facts.directory is not None else []
    world = world_totals(facts.stats, *extra)
    sites = facts.sites.assign(sphere=facts.sites.get(f"{rule}_sphere", pd.Series(dtype=object))
                               .fillna(UNATTRIBUTED))
    table = coverage(facts.production, sites, world, measure=measure, by="sphere")
    total = coverage(facts.production, sites, world, measure=measure).assign(sphere="all")
    out = pd.concat([table, total.assign(share_pct=100.0)], ignore_index=True)
    order = {s: k for k, s in enumerate([*SPHERES, UNATTRIBUTED, "all"])}
    out = out.sort_values(["year", "sphere"], key=lambda c: c.map(order) if c.name == "sphere" else c)
    out["rule"], out["measure"] = rule, measure
    return out[["year", "sphere", "sites", "value_kt", "share_pct", "world_kt", "coverage_pct",
                "rule", "measure"]].reset_index(drop=True)
