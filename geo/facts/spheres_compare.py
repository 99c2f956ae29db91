"""The ten published control-sphere figures beside minetrack's own, with their sensitivity.

The first seed document reports, for the MINING.COM / Northern Miner copper maps, the
share of mine output "over the last five years" and of processing held by each of five
spheres. minetrack recomputes them from the USGS Mineral Commodity Summaries country
tables (``data/copper_usgs_mcs*.csv``), one figure per country and year, taking each
year from the newest edition that gives it (a later edition revises an earlier one's
estimate).

Rules (``rule``):

- **host**: each country's USGS output counts to the sphere of that country
  (``spheres.csv``).
- **owner** (control): the host figures, except that a site with its own output figure
  for the year in ``production.csv`` is moved from its host's sphere to the sphere of its
  controlling owner (largest stake; :func:`geo.facts.spheres.controlling_owner`). Only
  sites with a figure move, so the owner rule is the host rule corrected where the
  data reaches, not a full ownership census.

USGS does not split "Other countries" (10-13 % of the world in these years). Under both
rules a ``production.csv`` figure for a site in such a country is taken out of that lump
and counted to the site's sphere; the rest counts to no sphere, so ``computed_pct`` is a
floor and ``ceiling_pct`` (computed + what is left of "Other countries") the most the
sphere could reach. Shares are of the USGS world
total (rounded, as USGS prints it).

Methods for "Other countries" (``--split-other`` / ``--fill-missing`` / ``--source``; the
default is USGS alone, as above):

- **split-other bgs** (:func:`split_other`): each year's USGS "Other countries" amount is
  shared among the countries USGS does not list that year for that series, in the
  proportions the British Geological Survey's World Mineral Statistics give them
  (``copper_bgs_wmp*.csv``, :mod:`geo.facts.bgs_copper`) for the same year, or for the
  nearest year BGS gives (the later one on a tie) when it does not reach that year. The
  shares sum to the USGS amount, so the world total and every listed country's figure
  stay USGS's; a country USGS lists is never taken from BGS.
- **fill-missing bgs** (:func:`fill_missing_years`): a year of the five-year window that
  no USGS table gives (2020) is taken whole from BGS: its country figures, with the sum
  of them as that year's world.
- **source bgs** (:func:`bgs_only`): every year from BGS alone, world = the BGS sum.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from geo.core.errors import Problem, display_path
from geo.core.paths import data_dir
from geo.core.tables import newest_editions
from geo.facts.checks import check_references

USGS_GLOB = "copper_usgs_mcs*.csv"
WORLD, OTHER = "WLD", "OTH"
USGS_ONLY = "USGS country figures; 'Other countries' counts to no sphere"
_YEAR_COLUMN = re.compile(r"^(mine|refinery)_(\d{4})_kt$")
_EDITION = re.compile(r"mcs(\d{4})")

KIND = {"mine-output": "mine", "processing-capacity": "refinery"}
"""Which USGS series stands for each published measure (refinery output for processing
capacity: USGS gives no capacity by country)."""

PUBLISHED_FIGURES: tuple[tuple[str, str, float, str], ...] = (
    # (measure, sphere, published %, comparison: "=" about, "<" under)
    ("mine-output", "US-aligned", 48.7, "="), ("mine-output", "China", 29.9, "="),
    ("mine-output", "Russia", 10.0, "<"), ("mine-output", "Coalition of the Willing", 10.0, "<"),
    ("mine-output", "Undrafted", 1.9, "="),
    ("processing-capacity", "China", 53.1, "="),
    ("processing-capacity", "Coalition of the Willing", 19.0, "="),
    ("processing-capacity", "US-aligned", 15.6, "="), ("processing-capacity", "Undrafted", 6.8, "="),
    ("processing-capacity", "Russia", 5.6, "="),
)
"""The ten figures the first seed document reports for the MINING.COM / Northern Miner
copper control-spheres maps (mine output over five years; processing)."""

TOLERANCE_PTS = 1.5
WINDOW_YEARS = 5


def load_usgs_years(directory: Path | str | None = None, *, known_iso: set[str] | None = None,
                    source_ids: set[str] | None = None,
                    already_read: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Every USGS MCS copper country table in a data folder as one long table.

    Columns ``iso_a3``, ``country``, ``kind`` (mine / refinery), ``year``, ``kt``,
    ``edition`` (MCS year) and ``sources``. Where several editions give a year, the
    newest edition's figure is kept. A blank cell (USGS prints none) is left out.
    ``already_read`` (file name -> table) spares reading a file a loader has read already.
    """
    directory = Path(directory) if directory else data_dir()
    return newest_editions(sorted(directory.glob(USGS_GLOB)), lambda path: _read_usgs_table(
        path, known_iso=known_iso, source_ids=source_ids, raw=(already_read or {}).get(path.name)),
        ["iso_a3", "country", "kind", "year", "kt", "edition", "sources"])


def _read_usgs_table(path: Path, *, known_iso, source_ids,
                     raw: pd.DataFrame | None = None) -> tuple[pd.DataFrame | None, list[Problem]]:
    """One ``copper_usgs_mcsYYYY.csv`` in long form (from ``raw`` when given), or the
    problems that stop it."""
    name = display_path(path)
    edition = _EDITION.search(path.name)
    if edition is None:
        return None, [Problem(name, 0, "", "file name must carry the MCS edition (mcsYYYY)")]
    if raw is None:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    else:  # a typed table: back to the text cells this reader checks
        raw = raw.apply(lambda c: c.map(_as_text))
    missing = [c for c in ("iso_a3", "country", "sources") if c not in raw.columns]
    year_cols = [c for c in raw.columns if _YEAR_COLUMN.match(c)]
    if missing or not year_cols:
        what = (f"missing column(s) {', '.join(missing)}" if missing
                else "no mine_YYYY_kt/refinery_YYYY_kt column")
        return None, [Problem(name, 0, "", what)]
    problems = check_references(raw, name, code_fields=("iso_a3",), known_iso=known_iso,
                                extra_codes=(WORLD, OTHER), source_ids=source_ids)
    if WORLD not in set(raw["iso_a3"]):
        problems.append(Problem(name, 0, "iso_a3", "no world total row (WLD)"))
    long = raw.melt(id_vars=["iso_a3", "country", "sources"], value_vars=year_cols,
                    var_name="column", value_name="text")
    long = long[long["text"].str.strip() != ""]
    long["kt"] = pd.to_numeric(long["text"], errors="coerce")
    for r in long[long["kt"].isna()].itertuples():
        line = int(raw.index[raw["iso_a3"] == r.iso_a3][0]) + 2
        problems.append(Problem(name, line, r.column, f"not a number: {r.text!r}"))
    parts = long["column"].str.extract(_YEAR_COLUMN)
    long = long.assign(kind=parts[0], year=parts[1].astype(int), edition=int(edition.group(1)))
    return long[["iso_a3", "country", "kind", "year", "kt", "edition", "sources"]], problems


def _as_text(value) -> str:
    """A typed cell as the CSV text it came from (lists joined with ``;``)."""
    if isinstance(value, list):
        return ";".join(value)
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)


def window(table: pd.DataFrame, span: int = WINDOW_YEARS) -> tuple[int, ...]:
    """The last ``span`` years for which the table has a world total for both series
    (fewer when the data folder reaches back less far)."""
    world = table[table["iso_a3"] == WORLD]
    mine, refinery = (set(world.loc[world["kind"] == k, "year"]) for k in ("mine", "refinery"))
    both = mine & refinery
    return tuple(sorted(both)[-span:])


def _nearest_year(available: list[int], year: int) -> int:
    """The year of ``available`` nearest ``year`` (the later one on a tie)."""
    return min(available, key=lambda y: (abs(y - year), -y))


def split_other(table: pd.DataFrame, bgs: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """``table`` with each year's "Other countries" split by BGS proportions, and the method.

    For each series (``kind``) and year with an ``OTH`` row, the countries that the year's
    USGS table does not list and to which BGS gives output that year (or the nearest year
    BGS reaches) each get ``OTH kt * their BGS share of those countries``; ``OTH`` keeps
    nothing (it keeps its amount where BGS names no such country). The new rows carry
    ``origin`` ``bgs-split YYYY`` (the BGS year used) and both sources; the other rows
    ``origin`` ``usgs``. World totals and listed countries are untouched.
    """
    table = _with_origin(table)
    out, used = [table], {}
    for (kind, year), rows in table.groupby(["kind", "year"]):
        other = rows[rows["iso_a3"] == OTHER]
        series = bgs[bgs["kind"] == kind]
        if other.empty or series.empty:
            continue
        source_year = _nearest_year(sorted(set(series["year"])), int(year))
        listed = set(rows["iso_a3"])
        shares = series[(series["year"] == source_year) & ~series["iso_a3"].isin(listed)
                        & (series["kt"] > 0)]
        if shares.empty:
            continue
        oth = other.iloc[0]
        out.append(shares.assign(
            kt=float(oth["kt"]) * shares["kt"] / float(shares["kt"].sum()), year=year,
            edition=oth["edition"], sources=oth["sources"] + ";" + shares["sources"],
            origin=f"bgs-split {source_year}"))
        table.loc[other.index, "kt"] = 0.0
        used[(kind, int(year))] = source_year
    years = sorted({y for _, y in used})
    per_year = ", ".join(f"{y}<-{used.get(('mine', y), '-')}/{used.get(('refinery', y), '-')}"
                         for y in years)
    method = ("USGS country figures; each year's 'Other countries' split among the countries "
              "USGS does not list that year, in BGS World Mineral Statistics proportions "
              f"(year<-BGS year mine/refinery, nearest BGS year where BGS stops: {per_year})")
    return _sorted(pd.concat(out, ignore_index=True)), method


def fill_missing_years(table: pd.DataFrame, bgs: pd.DataFrame,
                       span: int = WINDOW_YEARS) -> tuple[pd.DataFrame, str]:
    """``table`` with each year of the last ``span`` (up to its newest world total) that it
    lacks for either series taken whole from BGS (``origin`` ``bgs``; world = the BGS sum),
    and the method. A year BGS does not give for both series stays missing."""
    table = _with_origin(table)
    newest = max(window(table, span), default=None)
    if newest is None:
        return table, USGS_ONLY
    have = set(window(table, span))
    both = set(bgs.loc[bgs["kind"] == "mine", "year"]) & set(bgs.loc[bgs["kind"] == "refinery", "year"])
    filled = [y for y in range(newest - span + 1, newest + 1) if y not in have and y in both]
    if not filled:
        return table, USGS_ONLY + " (no year to fill from BGS)"
    whole = _with_world(bgs[bgs["year"].isin(filled)])
    years = ", ".join(map(str, filled))
    return (_sorted(pd.concat([table, whole], ignore_index=True)),
            f"USGS country figures; {years} (no USGS table) from BGS World Mineral Statistics "
            "in full, world = BGS country sum")


def bgs_only(bgs: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The BGS table alone in the comparison's layout (world rows = the BGS country sums)."""
    return (_sorted(_with_world(bgs)),
            "BGS World Mineral Statistics country figures only; world = BGS country sum")


def _with_world(bgs: pd.DataFrame) -> pd.DataFrame:
    """BGS rows (``origin`` ``bgs``) plus a WLD row per series and year: their sum."""
    rows = bgs.assign(origin="bgs")
    world = rows.groupby(["kind", "year"], as_index=False).agg(
        kt=("kt", "sum"), edition=("edition", "max"), sources=("sources", "first"))
    world = world.assign(iso_a3=WORLD, country="World (sum of BGS countries)", origin="bgs")
    return pd.concat([rows, world[rows.columns]], ignore_index=True)


def _with_origin(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` with an ``origin`` column (``usgs`` where it had none)."""
    out = table.copy()
    if "origin" not in out.columns:
        out["origin"] = "usgs"
    return out


def _sorted(table: pd.DataFrame) -> pd.DataFrame:
    return table.sort_values(["kind", "year", "iso_a3"]).reset_index(drop=True)


def site_moves(facts, table: pd.DataFrame, years: tuple[int, ...], rule: str = "host") -> pd.DataFrame:
    """The ``production.csv`` figures that shift output between spheres under ``rule``.

    A site in a country USGS lumps as "Other countries" that year is taken out of that
    lump (``from_sphere`` ``OTH``) and counted to its host's sphere (host rule) or its
    controlling owner's (owner rule, when the owner's sphere is known); under the owner
    rule a site in a listed country moves from its host's sphere to its owner's when they
    differ. Columns ``site``, ``kind``, ``year``, ``kt``, ``host_iso``, ``from_sphere``,
    ``to_sphere``, ``controlling_owner``.
    """
    from geo.facts.production import mine_output, refined_output

    cols = ["site", "kind", "year", "kt", "host_iso", "from_sphere", "to_sphere", "controlling_owner"]
    if facts.production is None or "host_sphere" not in facts.sites.columns:
        return pd.DataFrame(columns=cols)
    sites = facts.sites.set_index("id")
    figures = pd.concat([mine_output(facts.production, facts.sites).assign(kind="mine"),
                         refined_output(facts.production).assign(kind="refinery")], ignore_index=True)
    figures = figures[figures["year"].isin(years) & figures["site"].isin(sites.index)]
    out = figures.assign(host_iso=figures["site"].map(sites["country"]),
                         host_sphere=figures["site"].map(sites["host_sphere"]),
                         owner_sphere=figures["site"].map(sites["owner_sphere"]),
                         controlling_owner=figures["site"].map(sites["controlling_owner"]))
    countries = table.loc[~table["iso_a3"].isin([WORLD, OTHER]), ["iso_a3", "kind", "year"]]
    listed = pd.MultiIndex.from_frame(countries).rename(["host_iso", "kind", "year"])
    in_table = pd.MultiIndex.from_frame(out[["host_iso", "kind", "year"]]).isin(listed)
    out["from_sphere"] = out["host_sphere"].where(in_table, OTHER)
    owner_known = out["owner_sphere"].isin(_sphere_names())
    out["to_sphere"] = out["host_sphere"]
    if rule == "owner":
        out["to_sphere"] = out["owner_sphere"].where(owner_known, out["host_sphere"])
    moved = out["to_sphere"].isin(_sphere_names()) & (out["to_sphere"] != out["from_sphere"])
    return out.loc[moved, cols].reset_index(drop=True)


def _sphere_names() -> tuple[str, ...]:
    from geo.facts.spheres import SPHERES

    return SPHERES


def sphere_totals(table: pd.DataFrame, spheres: pd.DataFrame, years: tuple[int, ...], kind: str,
                  moves: pd.DataFrame | None = None) -> tuple[pd.Series, float, float]:
    """(kt by sphere, world kt, unsplit "Other countries" kt) over ``years`` for ``kind``;
    ``moves`` (:func:`site_moves` rows) shift site figures from ``from_sphere`` (or out of
    "Other countries") to ``to_sphere``."""
    by_iso = spheres.set_index("iso_a3")["sphere"]
    rows = table[(table["kind"] == kind) & table["year"].isin(years)]
    world = float(rows.loc[rows["iso_a3"] == WORLD, "kt"].sum())
    other = float(rows.loc[rows["iso_a3"] == OTHER, "kt"].sum())
    countries = rows[~rows["iso_a3"].isin([WORLD, OTHER])]
    totals = countries.groupby(countries["iso_a3"].map(by_iso).fillna("unassigned"))["kt"].sum()
    totals = totals.reindex([*_sphere_names(), "unassigned"]).fillna(0.0)
    if moves is not None and len(moves):
        m = moves[(moves["kind"] == kind) & moves["year"].isin(years)]
        out_of_other = m["from_sphere"] == OTHER
        totals = totals.sub(m[~out_of_other].groupby("from_sphere")["kt"].sum(), fill_value=0.0)
        totals = totals.add(m.groupby("to_sphere")["kt"].sum(), fill_value=0.0)
        other -= float(m.loc[out_of_other, "kt"].sum())
    return totals, world, other


def compare_published(table: pd.DataFrame, spheres: pd.DataFrame, *, rule: str = "host",
                      years: tuple[int, ...] | None = None,
                      moves: pd.DataFrame | None = None, method: str = USGS_ONLY) -> pd.DataFrame:
    """One row per published figure: ``published``, ``computed_pct``, ``difference_pts``
    (computed - published; for an "under" figure the excess over the bound, 0 within it),
    ``within_tolerance`` (|difference| <= 1.5), ``unsplit_pct`` ("Other countries", which
    no sphere gets), ``ceiling_pct`` (computed + unsplit), ``reachable`` (the published
    figure lies between computed and ceiling, each widened by 1.5), ``rule``, ``measure``
    basis, ``years`` and ``method`` (how "Other countries" was treated: ``method`` as
    :func:`split_other`, :func:`fill_missing_years` or :func:`bgs_only` returned it).

    ``rule``: ``host`` or ``owner``; ``moves`` (:func:`site_moves` for that rule) are the
    site figures that split "Other countries" and, under the owner rule, move sites.
    """
    from geo.core.errors import ArgumentError

    if rule not in ("host", "owner"):
        raise ArgumentError(f"--compare-published takes --rule host or owner, not {rule!r}")
    years = years or window(table)
    if not years:
        raise ArgumentError("no USGS copper table with world totals in the data folder")
    span = f"{years[0]}-{years[-1]}"
    in_years = table[table["year"].isin(years)]
    origin = in_years["origin"] if "origin" in in_years.columns else pd.Series("usgs", index=in_years.index)
    editions = sorted(set(in_years.loc[origin != "bgs", "edition"]))
    whole = sorted(set(in_years.loc[origin == "bgs", "year"]))
    split = origin.str.startswith("bgs-split").any()
    rows = []
    for measure, sphere, published, op in PUBLISHED_FIGURES:
        kind = KIND[measure]
        totals, world, other = sphere_totals(table, spheres, years, kind, moves)
        computed = 100.0 * float(totals.get(sphere, 0.0)) / world
        unsplit = 100.0 * other / world
        if op == "<":
            diff = max(0.0, computed - published)
            reachable = computed <= published + TOLERANCE_PTS
        else:
            diff = computed - published
            reachable = computed - TOLERANCE_PTS <= published <= computed + unsplit + TOLERANCE_PTS
        rows.append({
            "measure": measure, "sphere": sphere,
            "published": f"<{published:g}" if op == "<" else f"{published:g}",
            "computed_pct": round(computed, 1), "difference_pts": round(diff, 1),
            "within_tolerance": abs(diff) <= TOLERANCE_PTS,
            "unsplit_pct": round(unsplit, 1), "ceiling_pct": round(computed + unsplit, 1),
            "reachable": bool(reachable),
            "rule": rule,
            "basis": _basis(kind, span, editions, whole, split, moves, rule),
            "years": span,
            "method": method,
        })
    return pd.DataFrame(rows)


def _basis(kind: str, span: str, editions: list, whole: list[int], split: bool,
           moves: pd.DataFrame | None, rule: str) -> str:
    """The ``basis`` text of :func:`compare_published` (unchanged for USGS alone)."""
    where = []
    if editions:
        where.append(f"USGS MCS {'/'.join(map(str, editions))}")
    if whole:
        where.append(f"BGS World Mineral Statistics ({', '.join(map(str, whole))})")
    text = f"{' and '.join(where)} country {kind} production, summed {span}, share of the world total"
    if split:
        text += "; 'Other countries' split in BGS proportions"
    if moves is not None and len(moves):
        out_of_other = bool((moves["from_sphere"] == OTHER).any())
        text += ("; production.csv site figures" + (" split 'Other countries'" if out_of_other else "")
                 + (" and" if out_of_other and rule == "owner" else "")
                 + (" move sites to their controlling owner's sphere" if rule == "owner" else ""))
    return text


def sensitivity(table: pd.DataFrame, spheres: pd.DataFrame, *, years: tuple[int, ...] | None = None,
                moves: pd.DataFrame | None = None, top: int = 3) -> pd.DataFrame:
    """Which assignments move each published figure, and by how many points.

    For each figure: the ``top`` countries inside the sphere whose reassignment would
    take the most away (``effect_pts`` negative) and the ``top`` outside it that would
    add the most (positive); the unsplit "Other countries" (``kind`` ``unsplit``: the most
    it could add); with ``moves``, also each site figure moved into or out of the sphere
    (``kind`` ``site``, ``assigned`` "from -> to"). Columns ``measure``, ``sphere``, ``published``,
    ``kind`` (country / unsplit / site), ``name``, ``assigned`` (its sphere now), ``effect_pts``.
    """
    years = years or window(table)
    by_iso = spheres.set_index("iso_a3")["sphere"]
    out = []
    for measure, sphere, published, op in PUBLISHED_FIGURES:
        kind = KIND[measure]
        rows = table[(table["kind"] == kind) & table["year"].isin(years)]
        world = float(rows.loc[rows["iso_a3"] == WORLD, "kt"].sum())
        countries = rows[~rows["iso_a3"].isin([WORLD, OTHER])]
        share = 100.0 * countries.groupby("iso_a3")["kt"].sum() / world
        assigned = share.index.map(by_iso)
        label = f"<{published:g}" if op == "<" else f"{published:g}"
        inside = share[assigned == sphere].sort_values(ascending=False).head(top)
        outside = share[assigned != sphere].sort_values(ascending=False).head(top)
        for iso, pts in inside.items():
            out.append((measure, sphere, label, "country", iso, sphere, round(-pts, 2)))
        for iso, pts in outside.items():
            out.append((measure, sphere, label, "country", iso, by_iso.get(iso, "unassigned"), round(pts, 2)))
        unsplit = 100.0 * float(rows.loc[rows["iso_a3"] == OTHER, "kt"].sum()) / world
        out.append((measure, sphere, label, "unsplit", OTHER, "none (USGS Other countries)",
                    round(unsplit, 2)))
        if moves is not None and len(moves):
            m = moves[(moves["kind"] == kind) & moves["year"].isin(years)]
            for site, g in m.groupby("site"):
                pts = 100.0 * float(g["kt"].sum()) / world
                to, came = g["to_sphere"].iat[0], g["from_sphere"].iat[0]
                note = f"{came} -> {to}"
                if to == sphere:
                    out.append((measure, sphere, label, "site", site, note, round(pts, 2)))
                elif came == sphere:
                    out.append((measure, sphere, label, "site", site, note, round(-pts, 2)))
    return pd.DataFrame(out, columns=["measure", "sphere", "published", "kind", "name", "assigned",
                                      "effect_pts"])
