"""minetrack's whole dataset, read once and checked once, with its tables cross-joined.

:func:`read_facts` opens every table of a data folder exactly once, runs every
check on it once (columns and types, ids, codes, sources, stakes, stage history
against the sites, production by year, sphere coverage) and returns the :class:`Facts` with all the
problems found. ``Facts.from_dir()`` raises them; ``check_dataset()`` lists them.
Sites then carry ``host_sphere``/``owner_sphere`` and countries their sphere and
USGS statistics columns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geo.core.errors import DataError, Problem, display_path
from geo.core.paths import data_dir

# The loaders and checks are imported where they run: Facts read back from the cache
# (geo.facts._checked) need none of them.


@dataclass
class Facts:
    """The tables of one data folder, validated and joined (see the module docstring).

    Optional tables are None where the folder does not have their file.
    """

    sites: gpd.GeoDataFrame
    countries: gpd.GeoDataFrame
    stakes: pd.DataFrame
    sources: pd.DataFrame
    owners: pd.DataFrame | None = None
    ownership: pd.DataFrame | None = None
    spheres: pd.DataFrame | None = None
    stats: pd.DataFrame | None = None
    events: pd.DataFrame | None = None
    fast41: pd.DataFrame | None = None
    land_status: pd.DataFrame | None = None
    stage_vocab: pd.DataFrame | None = None
    imports: pd.DataFrame | None = None
    nir: pd.DataFrame | None = None
    production: pd.DataFrame | None = None
    usgs_years: pd.DataFrame | None = None
    bgs_years: pd.DataFrame | None = None
    directory: Path | None = None

    @classmethod
    def from_dir(cls, directory: Path | str | None = None) -> Facts:
        """Facts of a data folder (bundled ``data/`` by default); DataError on any problem.
        A folder whose exact contents were already found clean is read back from the cache
        as it was parsed then, checks and all (:mod:`geo.facts._checked`)."""
        facts, problems = read_facts(directory, trust_checked=True)
        if problems or facts is None:
            raise DataError(problems)
        return facts

    def enrich(self) -> None:
        """Add sphere columns to sites and sphere/statistics columns to countries."""
        from geo.facts import spheres, stats

        if self.spheres is not None:
            self.sites = spheres.site_spheres(self.sites, self.stakes, self.spheres)
            by_iso = self.spheres.set_index("iso_a3")
            self.countries = self.countries.assign(
                sphere=self.countries["iso_a3"].map(by_iso["sphere"]),
                sphere_basis=self.countries["iso_a3"].map(by_iso["basis"]),
                sphere_rationale=self.countries["iso_a3"].map(by_iso["rationale"]))
        if self.stats is not None:
            shares = stats.country_shares(self.stats).drop(columns=["country", "sources"])
            self.countries = self.countries.merge(shares, on="iso_a3", how="left")


def _optional(here: Path, file: str, load: Callable[[Path], Any], problems: list[Problem]) -> Any:
    """Load an optional table if its file exists; its problems join ``problems``."""
    if not (here / file).exists():
        return None
    try:
        return load(here / file)
    except DataError as exc:
        problems += exc.problems
        return None


def _usgs_years(here: Path, known: set[str], source_ids: set[str], problems: list[Problem],
                stat_rows: pd.DataFrame | None):
    """Every ``copper_usgs_mcs*.csv`` in one long table (None when there is none); the
    MCS 2025 table already read as ``stat_rows`` is not read again."""
    from geo.facts import stats
    from geo.facts.spheres_compare import USGS_GLOB, load_usgs_years

    if not any(here.glob(USGS_GLOB)):
        return None
    try:
        read = {stats.STATS_FILE: stat_rows} if stat_rows is not None else None
        return load_usgs_years(here, known_iso=known, source_ids=source_ids, already_read=read)
    except DataError as exc:
        problems += exc.problems
        return None


def _bgs_years(here: Path, known: set[str], source_ids: set[str], problems: list[Problem]):
    """Every ``copper_bgs_wmp*.csv`` in one long table (None when there is none)."""
    from geo.facts.bgs_copper import BGS_GLOB, load_bgs_years

    if not any(here.glob(BGS_GLOB)):
        return None
    try:
        return load_bgs_years(here, known_iso=known, source_ids=source_ids)
    except DataError as exc:
        problems += exc.problems
        return None


def read_facts(directory: Path | str | None = None, *, trust_checked: bool = False
               ) -> tuple[Facts | None, list[Problem]]:
    """Every table of a data folder, each read and checked once, and every problem.

    The Facts are None when a core table (sites, sources, owners, ownership) has
    problems; optional tables with problems are left None. A run that finds nothing
    remembers the folder's fingerprint and keeps its Facts in the cache; with
    ``trust_checked`` a folder remembered so is read back from there (or, without that
    file, read with every check but the per-site spatial ones). Without ``trust_checked``
    (``minetrack validate``) every table is read and every check runs.
    """
    from geo.facts import _checked

    here = Path(directory) if directory else data_dir()
    print_ = _checked.fingerprint(here)
    key = _checked.bundle_key(here, print_)
    if trust_checked:
        cached = _checked.load("facts", key)
        if isinstance(cached, Facts):
            cached.directory = here
            return cached, []
    from geo.core.columns import OWNER_COLUMNS, OWNERSHIP_COLUMNS, SOURCE_COLUMNS
    from geo.core.tables import read_table
    from geo.facts import permits, production, publishers, spheres, stage_vocab, stats, supply
    from geo.facts.checks import check_owners, check_ownership, check_sources
    from geo.facts.countries import load_countries
    from geo.facts.ownership import stakes
    from geo.facts.sites import read_sites, to_geodataframe

    spatial = not (trust_checked and _checked.was_clean(print_))
    problems: list[Problem] = []

    sources, p = read_table(here / "sources.csv", SOURCE_COLUMNS)
    problems += p or check_sources(sources, display_path(here / "sources.csv"))
    classified = _optional(here, publishers.PUBLISHERS_FILE, publishers.load_publishers, problems)
    if classified is not None and not p:
        problems += publishers.unclassified_publishers(sources, classified,
                                                       display_path(here / "sources.csv"))
    source_ids = set(sources["id"]) if "id" in sources.columns else set()
    countries = load_countries()
    known = set(countries["iso_a3"])

    table = read_sites(here / "sites.csv", source_ids=source_ids, spatial=spatial)
    problems += table.problems
    site_frame = table.frame
    site_ids = set(site_frame["id"]) if "id" in site_frame.columns else set()

    owners, p = read_table(here / "owners.csv", OWNER_COLUMNS)
    problems += p or check_owners(owners, display_path(here / "owners.csv"),
                                  source_ids=source_ids, known_iso=known)
    ownership, p = read_table(here / "ownership.csv", OWNERSHIP_COLUMNS)
    owner_ids = set(owners["id"]) if "id" in owners.columns else set()
    problems += p or check_ownership(ownership, display_path(here / "ownership.csv"),
                                     site_ids=site_ids, owner_ids=owner_ids, source_ids=source_ids)
    core_ok = not problems

    def refs(load):
        return lambda path: load(path, known_iso=known, source_ids=source_ids)

    def sited(load):
        return lambda path: load(path, site_ids=site_ids, source_ids=source_ids)

    found = {
        "imports": _optional(here, supply.IMPORTS_FILE, refs(supply.load_import_sources), problems),
        "nir": _optional(here, supply.NIR_FILE,
                         lambda path: supply.load_net_import_reliance(path, source_ids=source_ids), problems),
        "stats": _optional(here, stats.STATS_FILE, refs(stats.load_copper_stats), problems),
        "spheres": _optional(here, "spheres.csv", refs(spheres.load_spheres), problems),
        "events": _optional(here, "stage_events.csv", sited(permits.load_stage_events), problems),
        "fast41": _optional(here, "fast41.csv", sited(permits.load_fast41), problems),
        "land_status": _optional(here, "land_status.csv", sited(permits.load_land_status), problems),
        "production": _optional(here, production.PRODUCTION_FILE,
                                lambda path: production.load_production(
                                    path, site_ids=site_ids, source_ids=source_ids), problems),
        "stage_vocab": _optional(here, "stage_vocab.csv",
                                 lambda path: stage_vocab.load_stage_vocab(path, source_ids=source_ids),
                                 problems),
    }
    found["usgs_years"] = _usgs_years(here, known, source_ids, problems, found["stats"])
    found["bgs_years"] = _bgs_years(here, known, source_ids, problems)
    problems += _sphere_coverage(here, site_frame, owners, known, found["stats"], found["spheres"],
                                 countries)
    problems += _stages_match_history(here, site_frame, found["events"])
    if not core_ok:
        return None, problems
    facts = Facts(sites=to_geodataframe(site_frame), countries=countries,
                  stakes=stakes(ownership, owners), sources=sources, owners=owners,
                  ownership=ownership, directory=here, **found)
    facts.enrich()
    if spatial and not problems:
        _checked.remember_clean(print_)
    if not problems:  # every check ran and passed, now or under this fingerprint's marker
        _checked.store("facts", key, facts, keep=4)
    return facts, problems


def check_dataset(directory: Path | str | None = None) -> list[Problem]:
    """Every problem in a minetrack data folder (``minetrack validate`` with no file)."""
    return read_facts(directory)[1]


def validate(paths: Sequence[Path | str] = (), *, preset: str | None = None,
             mapping: Path | str | None = None) -> list[Problem]:
    """Every problem in each path (a data folder, or a sites file in anything
    :func:`~geo.facts.importing.import_sites` reads, with its ``preset`` or ``mapping``),
    or in the bundled data when none is given (``minetrack validate``)."""
    from geo.facts.importing import file_problems

    if not paths:
        return check_dataset()
    problems: list[Problem] = []
    for path in map(Path, paths):
        if path.is_dir():
            problems += check_dataset(path)
        else:
            problems += file_problems(path, preset=preset, mapping=mapping)[1]
    return problems


def _stages_match_history(here: Path, sites: pd.DataFrame, events: pd.DataFrame | None) -> list[Problem]:
    """Each site's ``stage`` must be the last stage its dated history records."""
    from geo.core.tables import line_numbers
    from geo.facts import permits

    if events is None or "stage" not in sites.columns:
        return []
    latest = permits.stage_at(events, pd.Timestamp.max)["stage"]
    lines = line_numbers(sites)
    known = sites["id"].isin(latest.index)
    wrong = known & (sites["stage"] != sites["id"].map(latest))
    return [Problem(display_path(here / "sites.csv"), int(lines[i]), "stage",
                    f"{sites.at[i, 'id']}: stage {sites.at[i, 'stage']!r} but its history in "
                    f"stage_events.csv ends in {latest[sites.at[i, 'id']]!r}")
            for i in sites.index[wrong]]


def _sphere_coverage(here: Path, sites: pd.DataFrame, owners: pd.DataFrame, known: set[str],
                     stat_rows: pd.DataFrame | None, sphere_rows: pd.DataFrame | None,
                     countries: pd.DataFrame | None = None) -> list[Problem]:
    """Every country that needs a sphere (site hosts, owner HQs, statistics rows, and
    every country and territory the map draws) has one."""
    from geo.facts import spheres, stats

    if not (here / "spheres.csv").exists() or sphere_rows is None:
        return []
    needed: dict[str, str] = {}
    if stat_rows is not None:
        for code in stat_rows["iso_a3"]:
            if code not in (stats.WORLD, stats.OTHER):
                needed.setdefault(code, display_path(here / stats.STATS_FILE))
    for code in sites.get("country", []):
        needed.setdefault(code, display_path(here / "sites.csv"))
    for code in owners.get("hq_country", []):
        needed.setdefault(code, display_path(here / "owners.csv"))
    if countries is not None:
        # Every drawn country gets a sphere, so none is left out of the map's legend.
        for code in countries["iso_a3"]:
            needed.setdefault(code, "countries.geojson")
    return spheres.check_coverage({c: w for c, w in needed.items() if c in known}, sphere_rows)


def list_sites(
    *,
    type: str | Iterable[str] | None = None,
    country: str | Iterable[str] | None = None,
    stage: str | Iterable[str] | None = None,
    commodity: str | Iterable[str] | None = None,
    facts=None,
) -> gpd.GeoDataFrame:
    """The bundled sites (or ``facts``' sites) with ``owners`` and ``operator``, filtered
    as :func:`filter_sites` does; points in EPSG:4326 (``minetrack sites``)."""
    from geo.facts.ownership import with_owners
    from geo.facts.select import filter_sites

    facts = facts or Facts.from_dir()
    rows = with_owners(facts.sites, facts.ownership, facts.owners)
    return filter_sites(rows, type=type, country=country, stage=stage, commodity=commodity)
