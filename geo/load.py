"""Load minetrack's bundled tables (or a user's files) as validated (Geo)DataFrames.

Every loader validates what it reads and raises :class:`~geo.errors.DataError`
listing each problem with its file, row and field; nothing half-valid comes back.
Pass ``validate=False`` to get whatever parses.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from .errors import DataError, Problem
from .paths import data_dir
from .schema import (
    OWNER_COLUMNS,
    OWNERSHIP_COLUMNS,
    SITE_COLUMNS,
    SOURCE_COLUMNS,
    normalise_stage,
    normalise_type,
)
from .tables import line_numbers, parse_table, read_table
from .validate import (
    check_owners,
    check_ownership,
    check_sites,
    check_sources,
    relative,
)

WGS84 = "EPSG:4326"


@lru_cache(maxsize=4)
def _read_polygons(path: str, mtime: float) -> gpd.GeoDataFrame:
    return gpd.read_file(path, engine="pyogrio")


def _polygons(path: Path, required: tuple[str, ...]) -> gpd.GeoDataFrame:
    try:
        gdf = _read_polygons(str(path), path.stat().st_mtime)
    except Exception as exc:  # pyogrio raises several DataSourceError kinds
        raise DataError([Problem(relative(path), 0, "", f"unreadable: {exc}")]) from exc
    missing = [c for c in required if c not in gdf.columns]
    if missing:
        raise DataError([Problem(relative(path), 1, c, "required field is missing") for c in missing])
    if gdf.crs is None:
        raise DataError([Problem(relative(path), 0, "", "layer has no CRS")])
    # Shallow copy: callers may add columns without touching the cache, and the
    # geometry array (and so the cached spatial index) stays shared.
    return gdf.copy(deep=False)


def load_countries(path: Path | str | None = None) -> gpd.GeoDataFrame:
    """Country polygons (Natural Earth 1:50m, EPSG:4326).

    Columns: ``iso_a3``, ``iso_a2``, ``name``, ``continent``, ``region``,
    ``iso_official`` (False for the few features without an ISO 3166 code).
    """
    return _polygons(Path(path) if path else data_dir() / "countries.geojson",
                     ("iso_a3", "name", "continent", "region"))


def load_us_states(path: Path | str | None = None) -> gpd.GeoDataFrame:
    """US state polygons (Census cartographic boundaries 1:10M, EPSG:4326); ``postal`` code."""
    return _polygons(Path(path) if path else data_dir() / "us_states.geojson", ("postal", "name"))


def _checked(frame: pd.DataFrame, problems: list[Problem], validate: bool) -> pd.DataFrame:
    if validate and problems:
        raise DataError(problems)
    return frame


def load_sources(path: Path | str | None = None, *, validate: bool = True) -> pd.DataFrame:
    """Source citations: ``id``, ``publisher``, ``title``, ``url``, ``year``."""
    path = Path(path) if path else data_dir() / "sources.csv"
    frame, problems = read_table(path, SOURCE_COLUMNS)
    if not problems:
        problems = check_sources(frame, relative(path))
    return _checked(frame, problems, validate)


def load_owners(path: Path | str | None = None, *, validate: bool = True) -> pd.DataFrame:
    """Companies and governments holding stakes: ``id``, ``name``, ``hq_country``, ``sources``."""
    path = Path(path) if path else data_dir() / "owners.csv"
    frame, problems = read_table(path, OWNER_COLUMNS)
    if validate and not problems:
        sources = load_sources(path.with_name("sources.csv"))
        known = set(load_countries()["iso_a3"])
        problems = check_owners(frame, relative(path), source_ids=set(sources["id"]), known_iso=known)
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
            frame, relative(path), site_ids=set(sites["id"]), owner_ids=set(owners["id"]),
            source_ids=set(sources["id"]),
        )
    return _checked(frame, problems, validate)


@dataclass
class SiteTable:
    """A parsed sites file before it becomes a GeoDataFrame, with its problems."""

    frame: pd.DataFrame
    problems: list[Problem]


def read_sites(path: Path | str, *, sources_path: Path | str | None = None,
               stage_vocabulary: str | None = None) -> SiteTable:
    """Parse and check a sites CSV; every problem is collected, none raised.

    Source ids are checked against ``sources_path``, else a ``sources.csv`` beside
    the file, else the bundled sources. ``stage_vocabulary`` (e.g. ``gem-status``,
    see :data:`geo.permits.VOCABULARIES`) says the ``stage`` column uses another
    tracker's values, translated to minetrack's stages before the checks.
    """
    path = Path(path)
    if path.suffix.lower() in VECTOR_SUFFIXES:
        frame, problems = read_vector_sites(path)
    else:
        frame, problems = read_table(path, SITE_COLUMNS)
    if problems and frame.empty:
        return SiteTable(frame, problems)
    if stage_vocabulary and "stage" in frame.columns:
        from .permits import translate_stages

        try:
            frame["stage"] = translate_stages(frame["stage"], stage_vocabulary).fillna("").astype(object)
        except ValueError as exc:
            return SiteTable(frame, [*problems, Problem(relative(path), 0, "stage", str(exc))])
    if sources_path is None:
        beside = path.with_name("sources.csv")
        sources_path = beside if beside.exists() else data_dir() / "sources.csv"
    sources, source_problems = read_table(Path(sources_path), SOURCE_COLUMNS)
    problems += source_problems
    source_ids = set(sources["id"]) if "id" in sources.columns else None
    problems += check_sites(
        frame, relative(path), source_ids=source_ids,
        countries=load_countries(), states=load_us_states(),
    )
    return SiteTable(frame, problems)


VECTOR_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".parquet", ".fgb")


def read_vector_sites(path: Path) -> tuple[pd.DataFrame, list[Problem]]:
    """A sites layer from a vector file (GeoPackage, GeoJSON, Shapefile, GeoParquet...).

    Point geometries give ``latitude``/``longitude`` (after reprojection to WGS84);
    attributes are parsed like the CSV columns. Rows are numbered from 1.
    """
    name = relative(path)
    try:
        if path.suffix.lower() == ".parquet":
            gdf = gpd.read_parquet(path)
        else:
            gdf = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:  # GDAL and Arrow raise many kinds
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return pd.DataFrame(), [Problem(name, 0, "", f"unreadable: {first}")]
    if gdf.crs is None:
        return pd.DataFrame(), [Problem(name, 0, "geometry", "layer has no CRS; cannot place the points")]
    problems: list[Problem] = []
    geom = gdf.geometry
    not_point = ~(geom.geom_type == "Point")
    for i in np.flatnonzero(not_point.to_numpy()):
        kind = geom.iloc[i].geom_type if geom.iloc[i] is not None else "no geometry"
        problems.append(Problem(name, int(i) + 1, "geometry", f"expected a point, got {kind}"))
    if problems:
        return pd.DataFrame(), problems
    wgs = geom.to_crs(WGS84)
    raw = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    raw["longitude"] = wgs.x.map(lambda v: f"{v:.6f}")
    raw["latitude"] = wgs.y.map(lambda v: f"{v:.6f}")
    return parse_table(raw, SITE_COLUMNS, name, first_row=1)


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
    if validate:
        table = read_sites(path, stage_vocabulary=stage_vocabulary)
        if table.problems:
            raise DataError(table.problems)
        frame = table.frame
    else:
        frame, problems = (read_vector_sites(path) if path.suffix.lower() in VECTOR_SUFFIXES
                           else read_table(path, SITE_COLUMNS))
        if problems and frame.empty:
            raise DataError(problems)
    return to_geodataframe(frame)


def check_dataset(directory: Path | str | None = None) -> list[Problem]:
    """Every problem in a minetrack data folder (sites, sources, owners, ownership).

    Used by ``minetrack validate`` with no argument, on the bundled ``data/``.
    """
    here = Path(directory) if directory else data_dir()
    problems: list[Problem] = []
    sources, p = read_table(here / "sources.csv", SOURCE_COLUMNS)
    problems += p or check_sources(sources, relative(here / "sources.csv"))
    source_ids = set(sources["id"]) if "id" in sources.columns else set()
    table = read_sites(here / "sites.csv", sources_path=here / "sources.csv")
    problems += [q for q in table.problems if q not in p]
    owners, p = read_table(here / "owners.csv", OWNER_COLUMNS)
    known = set(load_countries()["iso_a3"])
    problems += p or check_owners(owners, relative(here / "owners.csv"),
                                  source_ids=source_ids, known_iso=known)
    stakes, p = read_table(here / "ownership.csv", OWNERSHIP_COLUMNS)
    site_ids = set(table.frame["id"]) if "id" in table.frame.columns else set()
    owner_ids = set(owners["id"]) if "id" in owners.columns else set()
    problems += p or check_ownership(stakes, relative(here / "ownership.csv"),
                                     site_ids=site_ids, owner_ids=owner_ids, source_ids=source_ids)
    problems += _check_spheres_and_stats(here, table.frame, owners, known, source_ids)
    problems += _check_permits(here, table.frame, source_ids)
    return problems


def _check_permits(here: Path, sites: pd.DataFrame, source_ids: set[str]) -> list[Problem]:
    """Stage history, FAST-41 list, recorded land status and stage vocabularies, where
    present; and that each site's ``stage`` is the last stage its history records."""
    from . import permits

    problems: list[Problem] = []
    site_ids = set(sites["id"]) if "id" in sites.columns else set()
    loaders = {
        "stage_events.csv": lambda p: permits.load_stage_events(p, site_ids=site_ids, source_ids=source_ids),
        "fast41.csv": lambda p: permits.load_fast41(p, site_ids=site_ids, source_ids=source_ids),
        "land_status.csv": lambda p: permits.load_land_status(p, site_ids=site_ids, source_ids=source_ids),
        "stage_vocab.csv": lambda p: permits.load_stage_vocab(p, source_ids=source_ids),
    }
    loaded = {}
    for file, load in loaders.items():
        if (here / file).exists():
            try:
                loaded[file] = load(here / file)
            except DataError as exc:
                problems += exc.problems
    events = loaded.get("stage_events.csv")
    if events is not None and "stage" in sites.columns:
        latest = permits.stage_at(events, pd.Timestamp.max)["stage"]
        lines = line_numbers(sites)
        for i, r in sites.iterrows():
            if r["id"] in latest.index and r["stage"] != latest[r["id"]]:
                problems.append(Problem(relative(here / "sites.csv"), int(lines[i]), "stage",
                                        f"{r['id']}: stage {r['stage']!r} but its history in "
                                        f"stage_events.csv "
                                        f"ends in {latest[r['id']]!r}"))
    return problems


def _check_spheres_and_stats(here: Path, sites: pd.DataFrame, owners: pd.DataFrame,
                             known: set[str], source_ids: set[str]) -> list[Problem]:
    """Spheres and USGS statistics files, where present, and that every country needing a
    sphere (site hosts, owner HQs, statistics rows) has one."""
    from .spheres import check_coverage, load_spheres
    from .stats import OTHER, STATS_FILE, WORLD, load_copper_stats
    from .supply import IMPORTS_FILE, NIR_FILE, load_import_sources, load_net_import_reliance

    problems: list[Problem] = []
    if (here / IMPORTS_FILE).exists():
        try:
            load_import_sources(here / IMPORTS_FILE, known_iso=known, source_ids=source_ids)
        except DataError as exc:
            problems += exc.problems
    if (here / NIR_FILE).exists():
        try:
            load_net_import_reliance(here / NIR_FILE, source_ids=source_ids)
        except DataError as exc:
            problems += exc.problems
    needed: dict[str, str] = {}
    if (here / STATS_FILE).exists():
        try:
            stats = load_copper_stats(here / STATS_FILE, known_iso=known, source_ids=source_ids)
            for code in stats["iso_a3"]:
                if code not in (WORLD, OTHER):
                    needed.setdefault(code, relative(here / STATS_FILE))
        except DataError as exc:
            problems += exc.problems
    if not (here / "spheres.csv").exists():
        return problems
    for code in sites.get("country", []):
        needed.setdefault(code, relative(here / "sites.csv"))
    for code in owners.get("hq_country", []):
        needed.setdefault(code, relative(here / "owners.csv"))
    try:
        spheres = load_spheres(here / "spheres.csv", known_iso=known, source_ids=source_ids)
    except DataError as exc:
        return problems + exc.problems
    return problems + check_coverage({c: w for c, w in needed.items() if c in known}, spheres)
