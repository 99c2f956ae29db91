"""Load minetrack's bundled tables (or a user's files) as validated (Geo)DataFrames.

Every loader validates what it reads and raises :class:`~geo.errors.DataError`
listing each problem with its file, row and field; nothing half-valid comes back.
Pass ``validate=False`` to get whatever parses.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.core.columns import OWNER_COLUMNS, OWNERSHIP_COLUMNS, SITE_COLUMNS, SOURCE_COLUMNS
from geo.core.errors import DataError, Problem, display_path
from geo.core.paths import data_dir
from geo.core.tables import read_table
from geo.core.vocab import normalise_stage, normalise_type
from geo.facts.checks import check_owners, check_ownership, check_sites, check_sources
from geo.facts.countries import load_countries, load_us_states

WGS84 = "EPSG:4326"


def _checked(frame: pd.DataFrame, problems: list[Problem], validate: bool) -> pd.DataFrame:
    if validate and problems:
        raise DataError(problems)
    return frame


def load_sources(path: Path | str | None = None, *, validate: bool = True) -> pd.DataFrame:
    """Source citations: ``id``, ``publisher``, ``title``, ``url``, ``year``."""
    path = Path(path) if path else data_dir() / "sources.csv"
    frame, problems = read_table(path, SOURCE_COLUMNS)
    if not problems:
        problems = check_sources(frame, display_path(path))
    return _checked(frame, problems, validate)


def load_owners(path: Path | str | None = None, *, validate: bool = True) -> pd.DataFrame:
    """Companies and governments holding stakes: ``id``, ``name``, ``hq_country``, ``sources``."""
    path = Path(path) if path else data_dir() / "owners.csv"
    frame, problems = read_table(path, OWNER_COLUMNS)
    if validate and not problems:
        sources = load_sources(path.with_name("sources.csv"))
        known = set(load_countries()["iso_a3"])
        problems = check_owners(frame, display_path(path), source_ids=set(sources["id"]), known_iso=known)
    return _checked(frame, problems, validate)


def load_ownership(path: Path | str | None = None, *, validate: bool = True) -> pd.DataFrame:
    """Stakes: ``site_id``, ``owner_id``, ``equity_pct``, ``operator``, ``as_of``, ``sources``."""
    path = Path(path) if path else data_dir() / "ownership.csv"
    frame, problems = read_table(path, OWNERSHIP_COLUMNS)
    if validate and not problems:
        here = path.parent
        sites = load_sites(here / "sites.csv", validate=False)
        owners = load_owners(here / "owners.csv", validate=False)
        sources = load_sources(here / "sources.csv", validate=False)
        problems = check_ownership(
            frame, display_path(path), site_ids=set(sites["id"]), owner_ids=set(owners["id"]),
            source_ids=set(sources["id"]),
        )
    return _checked(frame, problems, validate)


@dataclass
class SiteTable:
    """A parsed sites file before it becomes a GeoDataFrame, with its problems."""

    frame: pd.DataFrame
    problems: list[Problem]


def read_sites(path: Path | str, *, sources_path: Path | str | None = None,
               source_ids: set[str] | None = None,
               stage_vocabulary: str | None = None, spatial: bool = True) -> SiteTable:
    """Parse and check a sites file in minetrack's columns (a CSV; any other format is
    read as :func:`geo.facts.importing.import_sites` reads it); every problem is
    collected, none raised.

    Source ids are checked against ``source_ids`` if given, else ``sources_path``,
    else a ``sources.csv`` beside the file, else the bundled sources.
    ``stage_vocabulary`` (e.g. ``gem-status``,
    see :data:`geo.facts.stage_vocab.VOCABULARIES`) says the ``stage`` column uses another
    tracker's values, translated to minetrack's stages before the checks. ``spatial``
    (CSV only): run the per-point spatial checks (see :func:`~geo.facts.checks.check_sites`).
    """
    path = Path(path)
    if path.suffix.lower() != ".csv":
        # Any other format is a user's file: read as `minetrack import` reads it.
        from geo.facts.importing import file_problems

        imported, problems = file_problems(path, stage_vocabulary=stage_vocabulary)
        frame = pd.DataFrame() if imported is None else pd.DataFrame(imported.sites.drop(columns="geometry"))
        return SiteTable(frame, problems)
    frame, problems = read_table(path, SITE_COLUMNS)
    if problems and frame.empty:
        return SiteTable(frame, problems)
    if stage_vocabulary and "stage" in frame.columns:
        from geo.facts.stage_vocab import translate_stages

        try:
            frame["stage"] = translate_stages(frame["stage"], stage_vocabulary).fillna("").astype(object)
        except ValueError as exc:
            return SiteTable(frame, [*problems, Problem(display_path(path), 0, "stage", str(exc))])
    if source_ids is None:
        if sources_path is None:
            beside = path.with_name("sources.csv")
            sources_path = beside if beside.exists() else data_dir() / "sources.csv"
        sources, source_problems = read_table(Path(sources_path), SOURCE_COLUMNS)
        problems += source_problems
        source_ids = set(sources["id"]) if "id" in sources.columns else None
    problems += check_sites(
        frame, display_path(path), source_ids=source_ids,
        countries=load_countries(), states=load_us_states(), spatial=spatial,
    )
    return SiteTable(frame, problems)


def to_geodataframe(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """Sites table to points (EPSG:4326), with normalised type and stage."""
    out = frame.copy()
    out["type"] = out["type"].map(lambda v: normalise_type(v) or v)
    out["stage"] = out["stage"].map(lambda v: normalise_stage(v) or v)
    out["primary_commodity"] = out["commodities"].str.split(";").str[0]
    geom = gpd.points_from_xy(out["longitude"], out["latitude"], crs=WGS84)
    return gpd.GeoDataFrame(out, geometry=geom, crs=WGS84)


def load_sites(path: Path | str | None = None, *, validate: bool = True,
               stage_vocabulary: str | None = None) -> gpd.GeoDataFrame:
    """Mines, smelters, refineries, projects and recycling plants as points (EPSG:4326).

    Columns are those of :data:`geo.schema.SITE_COLUMNS` plus ``primary_commodity``;
    list cells (``aliases``, ``commodities``, ``sources``) stay semicolon-separated
    strings so that every output format can hold them.

    Raises :class:`DataError` when ``validate`` and the file has any problem
    (spatial ones included: a point outside the country or US state it states).
    ``stage_vocabulary``: see :func:`read_sites`.
    """
    path = Path(path) if path else data_dir() / "sites.csv"
    if path.suffix.lower() != ".csv":
        from geo.facts.importing import import_sites

        return import_sites(path, skip_invalid=not validate, stage_vocabulary=stage_vocabulary).sites
    if validate:
        table = read_sites(path, stage_vocabulary=stage_vocabulary)
        if table.problems:
            raise DataError(table.problems)
        frame = table.frame
    else:
        frame, problems = read_table(path, SITE_COLUMNS)
        if problems and frame.empty:
            raise DataError(problems)
    return to_geodataframe(frame)
