"""Output by site and year (``data/production.csv``) and its coverage of USGS world totals.

Each row is one figure as one document states it: a site, a year, a commodity, a
quantity in a unit from :data:`UNITS`, and a :data:`BASES` value saying what was
counted (payable or contained metal, cathode, smelter anode, refined metal or a
nameplate capacity). Figures are kept in the document's own unit; conversion to
kilotonnes happens here, with the factors written once in :data:`UNITS`. Every
figure is the site's whole output (100 % basis), never an owner's share.

Coverage sets the summed site figures of a year beside the USGS world total of
that year, so a share computed from the sites is never mistaken for the world.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from geo.core.columns import Column
from geo.core.errors import Problem
from geo.core.tables import finish_table, open_table

PRODUCTION_FILE = "production.csv"
MIN_YEAR, MAX_YEAR = 2000, 2030
"""Years a production row may refer to (the table aims at 2020-2024)."""

UNITS: dict[str, float] = {
    "t": 1.0,
    "kt": 1_000.0,
    "Mt": 1_000_000.0,
    "lb": 0.45359237e-3,
    "klb": 0.45359237,
    "Mlb": 453.59237,
    "oz": 31.1034768e-6,
    "koz": 31.1034768e-3,
}
"""Units a quantity may be stated in, and metric tonnes per unit (avoirdupois pound
0.45359237 kg exactly; troy ounce 31.1034768 g exactly)."""

BASES: dict[str, str] = {
    "contained": "metal contained in everything the mine produced (concentrate and cathode)",
    "payable": "payable metal in concentrate plus cathode",
    "recoverable": "recoverable metal (after expected smelter and refinery losses)",
    "concentrate": "metal in concentrate only",
    "cathode": "cathode electrowon at the mine (SX-EW) or a refinery's cathode output",
    "anode": "smelter output of anode or blister copper",
    "refined": "refined metal produced by a refinery",
    "capacity": "nameplate or stated annual capacity",
}
"""What a quantity counts."""

MINE_WHOLE = ("contained", "payable", "recoverable")
"""Bases that describe a mine's whole output, in order of preference when one
site-year has several; without any of them a mine's concentrate and cathode rows
are added (they count different products, so never twice)."""

REFINED = ("refined", "cathode")
"""Bases that count refined metal (USGS refinery production includes SX-EW cathode)."""

COMMODITY = "copper"

PRODUCTION_COLUMNS: tuple[Column, ...] = (
    Column("site", "slug", True, "site id in sites.csv"),
    Column("year", "int", True, "calendar year (or the fiscal year the note names)"),
    Column("commodity", "str", True, "commodity name, e.g. copper"),
    Column("quantity", "float", True, "the figure as the document states it"),
    Column("unit", "str", True, "one of UNITS"),
    Column("basis", "str", True, "one of BASES"),
    Column("source", "str", True, "source id in sources.csv"),
    Column("note", "str", False, "fiscal year, conversion, attribution"),
)

_KEY = ("site", "year", "commodity", "basis")


def load_production(path: Path | str | None = None, *, site_ids: set[str] | None = None,
                    source_ids: set[str] | None = None) -> pd.DataFrame:
    """``production.csv`` validated, with each figure in tonnes (``tonnes``) and kilotonnes
    (``kt``) added; :class:`~geo.core.errors.DataError` listing every problem otherwise
    (the checks of :func:`check_production`)."""
    frame, name, lines = open_table(path, PRODUCTION_FILE, PRODUCTION_COLUMNS)
    frame, problems = check_production(frame, name, lines, site_ids=site_ids, source_ids=source_ids)
    return finish_table(frame, problems)


def check_production(frame: pd.DataFrame, name: str, lines: pd.Series, *,
                     site_ids: set[str] | None = None, source_ids: set[str] | None = None
                     ) -> tuple[pd.DataFrame, list[Problem]]:
    """Check parsed production rows (``lines``: each row's number as problems name it).

    Checks: site and source ids resolve (None skips that check), year within
    :data:`MIN_YEAR`-:data:`MAX_YEAR`, unit and basis from their vocabularies,
    quantity not negative, and no (site, year, commodity, basis) twice. Returns the
    frame with ``tonnes`` and ``kt`` added, and the problems found.
    """
    problems: list[Problem] = []

    def each(mask: pd.Series, field: str, message) -> None:
        for i in frame.index[mask.fillna(False).astype(bool)]:
            problems.append(Problem(name, int(lines[i]), field, message(frame.at[i, field])))

    if site_ids is not None:
        each(~frame["site"].isin(site_ids), "site", lambda v: f"unknown site id {v!r}")
    if source_ids is not None:
        each(~frame["source"].isin(source_ids), "source", lambda v: f"unknown source id {v!r}")
    year = frame["year"].astype(float)
    each(year.notna() & ~year.between(MIN_YEAR, MAX_YEAR), "year",
         lambda v: f"year {v} is outside {MIN_YEAR}-{MAX_YEAR}")
    each(~frame["unit"].isin(UNITS), "unit", lambda v: f"unknown unit {v!r} (one of: {', '.join(UNITS)})")
    each(~frame["basis"].isin(BASES), "basis", lambda v: f"unknown basis {v!r} (one of: {', '.join(BASES)})")
    each(frame["quantity"] < 0, "quantity", lambda v: f"negative quantity {v:g}")
    frame = frame.assign(commodity=frame["commodity"].str.lower())
    key = frame[list(_KEY)].astype(str).agg("|".join, axis=1)
    first = dict(zip(key[::-1], lines[::-1], strict=True))
    for i in frame.index[key.duplicated(keep="first")]:
        problems.append(Problem(name, int(lines[i]), "basis",
                                f"{frame.at[i, 'site']} {frame.at[i, 'year']} {frame.at[i, 'commodity']} "
                                f"{frame.at[i, 'basis']!r} is given twice (first at row {first[key[i]]})"))
    tonnes = frame["quantity"] * frame["unit"].map(UNITS)
    return frame.assign(tonnes=tonnes, kt=tonnes / 1_000.0), problems


def mine_output(production: pd.DataFrame, sites: pd.DataFrame, commodity: str = COMMODITY) -> pd.DataFrame:
    """One figure (kt) per mine and year: the preferred whole-output basis
    (:data:`MINE_WHOLE`), else concentrate plus cathode. Columns ``site``, ``year``,
    ``kt``, ``basis`` (the basis used, ``concentrate+cathode`` for a sum)."""
    mines = set(sites.loc[sites["type"].eq("mine"), "id"])
    rows = production[production["site"].isin(mines) & production["commodity"].eq(commodity)]
    whole = rows[rows["basis"].isin(MINE_WHOLE)].assign(
        _rank=lambda f: f["basis"].map({b: k for k, b in enumerate(MINE_WHOLE)}))
    whole = whole.sort_values("_rank", kind="stable").drop_duplicates(["site", "year"])
    whole = whole[["site", "year", "kt", "basis"]]
    parts = rows[rows["basis"].isin(("concentrate", "cathode"))]
    parts = parts.merge(whole[["site", "year"]], on=["site", "year"], how="left", indicator=True)
    parts = parts[parts["_merge"] == "left_only"]
    summed = (parts.groupby(["site", "year"], as_index=False)
              .agg(kt=("kt", "sum"), basis=("basis", lambda b: "+".join(sorted(set(b))))))
    out = pd.concat([whole, summed], ignore_index=True)
    out["year"] = out["year"].astype(int)
    return out.sort_values(["site", "year"]).reset_index(drop=True)


def refined_output(production: pd.DataFrame, commodity: str = COMMODITY) -> pd.DataFrame:
    """One refined-metal figure (kt) per site and year (:data:`REFINED` bases, refined
    first): refineries' output and mines' SX-EW cathode, as USGS counts refinery output."""
    rows = production[production["commodity"].eq(commodity) & production["basis"].isin(REFINED)]
    rows = rows.assign(_rank=rows["basis"].map({b: k for k, b in enumerate(REFINED)}))
    rows = rows.sort_values("_rank", kind="stable").drop_duplicates(["site", "year"])
    out = rows[["site", "year", "kt", "basis"]].copy()
    out["year"] = out["year"].astype(int)
    return out.sort_values(["site", "year"]).reset_index(drop=True)


_YEAR_COLUMN = re.compile(r"^(mine|refinery)_(\d{4})_kt$")


def world_totals(stats: pd.DataFrame | None, *extra: pd.DataFrame) -> pd.DataFrame:
    """USGS world totals by year from every statistics table given: columns ``year``,
    ``mine_kt``, ``refinery_kt``. Each table's ``WLD`` row is read for columns named
    ``mine_YYYY_kt`` / ``refinery_YYYY_kt``; a year a later table gives again keeps the
    first table's value. Years no table covers are simply absent (no coverage for them)."""
    found: dict[tuple[str, int], float] = {}
    for table in (stats, *extra):
        if table is None or "iso_a3" not in table.columns:
            continue
        world = table[table["iso_a3"] == "WLD"]
        if world.empty:
            continue
        for col in table.columns:
            m = _YEAR_COLUMN.match(str(col))
            value = pd.to_numeric(world[col], errors="coerce").iloc[0] if m else None
            if m and pd.notna(value):
                found.setdefault((m.group(1), int(m.group(2))), float(value))
    years = sorted({y for _, y in found})
    return pd.DataFrame({
        "year": years,
        "mine_kt": [found.get(("mine", y), float("nan")) for y in years],
        "refinery_kt": [found.get(("refinery", y), float("nan")) for y in years],
    })


def extra_world_tables(directory: Path) -> list[pd.DataFrame]:
    """Other USGS copper tables in a data folder (``copper_usgs_*.csv`` besides the
    MCS 2025 one), read as plain text tables for their world rows; newest name first."""
    out = []
    for path in sorted(directory.glob("copper_usgs_*.csv"), reverse=True):
        if path.name == "copper_usgs_mcs2025.csv":
            continue
        try:
            out.append(pd.read_csv(path, dtype=str, keep_default_na=False))
        except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError, UnicodeDecodeError):
            continue  # that table's own loader reports it; coverage just lacks its years
    return out


def coverage(production: pd.DataFrame, sites: pd.DataFrame, world: pd.DataFrame, *,
             measure: str = "mine-output", by: str | None = None) -> pd.DataFrame:
    """Summed site figures per year (and per ``by`` column of ``sites``, e.g.
    ``host_sphere``) against the world total of that year.

    ``measure``: ``mine-output`` (:func:`mine_output` against USGS mine production) or
    ``refined`` (:func:`refined_output` against USGS refinery production). Columns
    ``year``, [``by``,] ``sites`` (count), ``value_kt``, ``world_kt``,
    ``coverage_pct`` (value / world, NaN where USGS has no total for the year) and,
    with ``by``, ``share_pct`` of the year's covered total.
    """
    if measure == "mine-output":
        figures, column = mine_output(production, sites), "mine_kt"
    elif measure == "refined":
        figures, column = refined_output(production), "refinery_kt"
    else:
        from geo.core.errors import ArgumentError

        raise ArgumentError(f"unknown measure {measure!r}; one of mine-output, refined")
    keys = ["year"]
    if by is not None:
        group = sites.set_index("id")[by]
        figures = figures.assign(**{by: figures["site"].map(group).fillna("unattributed")})
        keys.append(by)
    out = (figures.groupby(keys, as_index=False)
           .agg(sites=("site", "nunique"), value_kt=("kt", "sum")))
    out["world_kt"] = out["year"].map(world.set_index("year")[column]) if len(world) else float("nan")
    out["coverage_pct"] = (100.0 * out["value_kt"] / out["world_kt"]).round(1)
    if by is not None:
        total = out.groupby("year")["value_kt"].transform("sum")
        out["share_pct"] = (100.0 * out["value_kt"] / total).round(1)
    out["value_kt"] = out["value_kt"].round(1)
    return out.reset_index(drop=True)
