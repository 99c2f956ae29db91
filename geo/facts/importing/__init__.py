"""Import a user's file as minetrack sites: any format, any CRS, a preset or a mapping.

:func:`import_sites` reads the file (:func:`geo.io.foreign.read_foreign`), maps its
columns and values to minetrack's site schema (:mod:`.mapping`, :mod:`.translate`),
places every row (a MultiPoint becomes one site at one of its points, its parts
kept), finds the country where the row does not state one (the join's rule is
recorded), checks every row with the same rules as the bundled data, and splits the
good rows from the rejects. Nothing is guessed silently: a value no table knows, a
point at sea, a stated country the point is not in, are rejects with their reason.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.core.columns import IMPORT_COLUMNS, SITE_COLUMNS
from geo.core.errors import DataError, FileError, Problem
from geo.core.tables import ROW, parse_table, read_table
from geo.core.vocab import LOCATION_ACCURACY, normalise_stage, normalise_type
from geo.facts.checks import check_sites
from geo.facts.countries import load_countries, load_us_states, ne_to_iso
from geo.facts.importing import translate
from geo.facts.importing.mapping import (
    Mapping,
    guess_mapping,
    load_mapping,
    load_preset,
    preset_names,
    starter_mapping,
)
from geo.facts.select import clip_sites
from geo.io.foreign import READABLE, Foreign, read_foreign
from geo.spatial.join import assign_polygons

WGS84 = "EPSG:4326"
COLUMNS = (*SITE_COLUMNS, *IMPORT_COLUMNS)
"""The columns an import writes: the site schema plus owners, citation, rule and parts."""

__all__ = ["COLUMNS", "READABLE", "Imported", "file_problems", "import_sites", "mapping_for", "preset_names",
           "print_mapping", "starter_mapping"]


@dataclass
class Imported:
    """What :func:`import_sites` made of a file.

    ``sites``: the good rows (site schema plus :data:`IMPORT_COLUMNS`, EPSG:4326);
    ``rejects``: one row per problem (``row``, ``field``, ``reason``, then the source
    row's own cells); ``problems``: the same problems as :class:`Problem` objects;
    ``read``: how many rows the file held.
    """

    file: str
    sites: gpd.GeoDataFrame
    rejects: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    mapping: Mapping | None = None
    read: int = 0


def file_problems(path: Path | str, **options) -> tuple[Imported | None, list[Problem]]:
    """:func:`import_sites` with ``skip_invalid``, never raising: what it kept (None when
    the file as a whole cannot be read) and every problem, file-level ones included."""
    from geo.core.errors import MinetrackError, display_path

    try:
        result = import_sites(path, skip_invalid=True, **options)
    except DataError as exc:
        return None, exc.problems
    except MinetrackError as exc:  # unreadable, no CRS, ambiguous layers: the file as a whole
        return None, [Problem(display_path(path), 0, "", str(exc).split(": ", 1)[-1])]
    return result, result.problems


def mapping_for(preset: str | None = None, mapping: str | Path | Mapping | None = None) -> Mapping | None:
    """The mapping a preset name or a mapping file (or object) stands for (None: guess)."""
    if preset and mapping is not None:
        from geo.core.errors import ArgumentError

        raise ArgumentError("give a preset or a mapping file, not both")
    if preset:
        return load_preset(preset)
    if mapping is None or isinstance(mapping, Mapping):
        return mapping
    return load_mapping(mapping)


def print_mapping(path: Path | str, *, layer: str | None = None, encoding: str | None = None) -> str:
    """A starter mapping (TOML text) for ``path``, guessed from its columns."""
    foreign = read_foreign(path, layer=layer, encoding=encoding)
    columns = [c for c in foreign.frame.columns if c != ROW]
    return starter_mapping(columns, has_geometry=foreign.geometry is not None, file=Path(path).name)


def import_sites(
    path: Path | str,
    *,
    preset: str | None = None,
    mapping: str | Path | Mapping | None = None,
    layer: str | None = None,
    encoding: str | None = None,
    skip_invalid: bool = False,
    keep_offshore: bool = False,
    bbox: tuple[float, float, float, float] | None = None,
    within: gpd.GeoDataFrame | None = None,
    sources_path: Path | str | None = None,
    stage_vocabulary: str | None = None,
) -> Imported:
    """Read any file :func:`~geo.io.foreign.read_foreign` reads as minetrack sites.

    Parameters
    ----------
    path:
        CSV, XLSX, GeoJSON, GeoPackage, Shapefile (also zipped), FlatGeobuf or GeoParquet,
        in any CRS.
    preset, mapping:
        A bundled preset name (see :func:`preset_names`) or a mapping file; neither: the
        columns are guessed (minetrack's own column names map to themselves).
    layer, encoding:
        Passed to the reader (a GeoPackage layer, zip member or sheet; a CSV's encoding).
    skip_invalid:
        Keep the good rows and return the bad ones in ``rejects``; otherwise any bad row
        raises :class:`~geo.core.errors.DataError` listing every problem.
    keep_offshore:
        Keep points that lie in no country (``country_rule = none``) instead of rejecting them.
    bbox, within:
        Keep only sites inside ``(west, south, east, north)`` degrees, or inside a polygon layer.
    sources_path:
        ``sources.csv`` that a ``sources`` column's ids refer to (default: one beside the
        file, else the bundled one).
    stage_vocabulary:
        The stage column uses this tracker's values (overrides the mapping's option).

    Returns
    -------
    Imported
    """
    chosen = mapping_for(preset, mapping)
    foreign = read_foreign(path, layer=layer, encoding=encoding,
                           null_values=chosen.null_values if chosen else ())
    columns = [c for c in foreign.frame.columns if c != ROW]
    if chosen is None:
        chosen = guess_mapping(columns, has_geometry=foreign.geometry is not None)
    if stage_vocabulary:
        chosen = dataclasses.replace(chosen, stage_vocabulary=stage_vocabulary)
    _check_columns(chosen, columns, foreign)
    return _build(Path(path), foreign, chosen, skip_invalid=skip_invalid, keep_offshore=keep_offshore,
                  bbox=bbox, within=within, sources_path=sources_path)


def _check_columns(m: Mapping, columns: list[str], foreign: Foreign) -> None:
    have = set(columns)
    problems = [Problem(foreign.name, 1, fld, f"mapping {m.name} names column {src[0]!r}, which the file "
                        f"does not have (columns: {', '.join(columns)})")
                for fld, src in m.columns.items() if fld in m.scalar and src[0] not in have]
    if "name" not in m.columns and "name" not in m.defaults:
        problems.append(Problem(foreign.name, 1, "name", "no column for the site name; map one "
                                "(minetrack import FILE --print-mapping writes a starter mapping)"))
    if foreign.geometry is None and not {"latitude", "longitude"} <= set(m.columns):
        problems.append(Problem(foreign.name, 1, "latitude/longitude",
                                "no geometry and no latitude/longitude columns; map them in a mapping file"))
    if problems:
        raise DataError(problems)


# Building the sites -------------------------------------------------------------


class _Rows:
    """Problems found while mapping, keyed by frame position."""

    def __init__(self, name: str, numbers: np.ndarray):
        self.name, self.numbers, self.items = name, numbers, []

    def add(self, positions, field: str, messages) -> None:
        positions = np.atleast_1d(positions)
        if isinstance(messages, str):
            messages = [messages] * len(positions)
        for p, msg in zip(positions.tolist(), messages, strict=True):
            self.items.append(Problem(self.name, int(self.numbers[p]), field, msg))


def _cells(frame: pd.DataFrame, cols: tuple[str, ...], kind: str) -> pd.Series:
    present = [c for c in cols if c in frame.columns]
    if not present:
        return pd.Series("", index=frame.index, dtype=object)
    if kind == "list":
        parts = frame[present].apply(lambda s: s.str.strip())
        joined = parts.iloc[:, 0]
        for c in parts.columns[1:]:
            joined = joined.where(parts[c] == "", joined.where(joined == "", joined + ";") + parts[c])
        return joined
    out = frame[present[0]].str.strip()
    for c in present[1:]:
        out = out.where(out != "", frame[c].str.strip())
    return out


def _translate(values: pd.Series, table: dict[str, str]) -> pd.Series:
    """Map each value through ``table`` (exact, then folded key); NA where not listed."""
    if not table:
        return pd.Series(pd.NA, index=values.index, dtype=object)
    folded = {translate.fold(k): v for k, v in table.items()}
    uniq = pd.unique(values)
    lookup = {u: table.get(u, folded.get(translate.fold(u), pd.NA)) for u in uniq}
    return values.map(lookup)


def _vocabulary(values: pd.Series, own: dict[str, str], vocab: dict[str, str] | None,
                normalise, rows: _Rows, fld: str, hint: str) -> pd.Series:
    """A field through the mapping's own table, then a vocabulary, then minetrack's spelling."""
    out = _translate(values, own)
    todo = out.isna() & (values != "")
    if vocab is not None and todo.any():
        out[todo] = _translate(values[todo], vocab)
        todo = out.isna() & (values != "")
    if todo.any():
        own_spelling = values[todo].map(lambda v: normalise(v) or pd.NA)
        out[todo] = own_spelling
        todo = out.isna() & (values != "")
    bad = np.flatnonzero(todo.to_numpy())
    rows.add(bad, fld, [f"unknown {fld} {values.iloc[i]!r} ({hint})" for i in bad])
    return out.where(out.notna() & ~todo, "").astype(object).where(values != "", "")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", translate.fold(text)).strip("-")


def _per_value(values: pd.Series, fn) -> pd.Series:
    """``fn`` of each distinct value, spread back over the rows (files repeat values)."""
    uniq = pd.unique(values)
    return values.map(dict(zip(uniq, map(fn, uniq), strict=True)))


def _build(path: Path, foreign: Foreign, m: Mapping, *, skip_invalid: bool, keep_offshore: bool,
           bbox, within, sources_path) -> Imported:
    frame = foreign.frame.reset_index(drop=True)
    n = len(frame)
    if n == 0:
        if foreign.problems and not skip_invalid:
            raise DataError(foreign.problems)
        if not foreign.problems:
            raise FileError(f"{foreign.name}: has no rows (only a header, or an empty layer)")
        empty = gpd.GeoDataFrame({c.name: pd.Series(dtype=object) for c in COLUMNS},
                                 geometry=gpd.GeoSeries([], crs=WGS84), crs=WGS84)
        return Imported(foreign.name, empty, _rejects(foreign.problems, frame), foreign.problems, m,
                        len(foreign.problems))
    numbers = frame[ROW].to_numpy()
    rows = _Rows(foreign.name, numbers)
    kinds = {c.name: c.kind for c in COLUMNS}
    cells: dict[str, pd.Series] = {}
    for fld, kind in kinds.items():
        if fld == "country_rule":
            continue
        s = _cells(frame, m.columns.get(fld, ()), kind)
        if fld in m.defaults:
            s = s.where(s != "", m.defaults[fld])
        cells[fld] = s

    # Values: the mapping's own tables, then the vocabularies, then minetrack's spellings.
    def vocab_hint(fld: str, vocabulary) -> str:
        names = (vocabulary,) if isinstance(vocabulary, str) else tuple(vocabulary or ())
        known = f"not in vocabulary {', '.join(names)}; " if names else ""
        return f"{known}add it under [values.{fld}] in a mapping"

    type_vocab = translate.type_table(m.type_vocabulary) if m.type_vocabulary else None
    types = _vocabulary(cells["type"], m.values.get("type", {}), type_vocab, normalise_type, rows, "type",
                        vocab_hint("type", m.type_vocabulary))
    scope = np.flatnonzero((types == translate.OUT_OF_SCOPE).to_numpy())
    rows.add(scope, "type", [f"type {cells['type'].iloc[i]!r} is outside minetrack's scope" for i in scope])
    cells["type"] = types.where(types != translate.OUT_OF_SCOPE, "")
    vocabularies = ((m.stage_vocabulary,) if isinstance(m.stage_vocabulary, str)
                    else tuple(m.stage_vocabulary or ()))
    stage_vocab = None
    if vocabularies:
        stage_vocab = {}
        for name in reversed(vocabularies):  # the first vocabulary listed wins
            stage_vocab.update(translate.stage_table(name))
    cells["stage"] = _vocabulary(cells["stage"], m.values.get("stage", {}), stage_vocab, normalise_stage,
                                 rows, "stage", vocab_hint("stage", m.stage_vocabulary))
    acc = {"exact": "exact", "approximate": "approximate", **m.values.get("location_accuracy", {})}
    cells["location_accuracy"] = _vocabulary(
        cells["location_accuracy"], acc, None, lambda v: v if v in LOCATION_ACCURACY else None,
        rows, "location_accuracy", "exact or approximate; map it under [values.location_accuracy]")
    for fld, table in m.values.items():
        if fld not in ("type", "stage", "location_accuracy", "commodities", "country"):
            mapped = _translate(cells[fld], table)
            cells[fld] = mapped.where(mapped.notna(), cells[fld])
    own_commodities = m.values.get("commodities", {})
    cells["commodities"] = _per_value(cells["commodities"],
        lambda cell: ";".join(dict.fromkeys(
            x for x in (own_commodities.get(p.strip(), translate.commodity_name(p))
                        for p in re.split(r"[;,]", cell)) if x)))
    cells["owners"] = _per_value(cells["owners"], lambda c: translate.owners_cell([c]) if c else "")
    cells["aliases"] = _per_value(cells["aliases"],
                                  lambda c: ";".join(p.strip() for p in c.split(";") if p.strip()))

    lon, lat, parts, placed = _place(foreign, cells, m, rows)
    members = pd.Series([[int(r)] for r in numbers], dtype=object)
    if m.merge_rows and "id" in m.columns:
        cells, lon, lat, parts, placed, members = _merge(cells, lon, lat, parts, placed, members, kinds)
        numbers = np.array([g[0] for g in members], dtype=np.int64)
        rows.numbers = numbers
    country, rule, admin1 = _countries(cells, m, lon, lat, placed, rows, keep_offshore)
    cells["country"], cells["admin1"] = country, admin1
    cells["country_rule"] = rule
    cells["parts"] = parts
    # Placed rows carry their WGS 84 point; the others keep their own text for the checks.
    for fld, values in (("longitude", lon), ("latitude", lat)):
        text = pd.Series(np.round(np.where(placed, values, 0.0), 7)).map(repr)
        cells[fld] = text.where(placed, cells[fld].reset_index(drop=True) if foreign.geometry is None else "")
    cells["id"] = _ids(cells, m, rows)
    if m.citation:
        row_cite = cells["citation"]
        cells["citation"] = row_cite.map(lambda c, base=m.citation: f"{base}; row: {c}" if c else base)

    table = pd.DataFrame(cells)[[c.name for c in COLUMNS]]
    table[ROW] = numbers
    typed, parse_problems = parse_table(table, COLUMNS, foreign.name, curated=False)
    source_ids = _source_ids(path, typed, sources_path)
    no_geometry = {p.row for p in rows.items if p.field == "geometry"}
    parse_problems = [p for p in parse_problems
                      if not (p.row in no_geometry and p.field in ("latitude", "longitude"))]
    problems = [*foreign.problems, *rows.items, *parse_problems]
    problems += check_sites(typed, foreign.name, source_ids=source_ids, countries=load_countries(),
                            states=load_us_states())
    bad_rows = {p.row for p in problems}
    keep = ~members.map(lambda g: any(r in bad_rows for r in g)).to_numpy(bool)
    rejects = _rejects(problems, frame)
    if problems and not skip_invalid:
        raise DataError(problems)
    good = typed[keep].drop(columns=ROW).reset_index(drop=True)
    parts_geom = good.pop("parts")
    sites = _to_sites(good)
    sites.insert(len(sites.columns) - 1, "parts", parts_geom.to_numpy())
    if bbox is not None or within is not None:
        sites = clip_sites(sites, bbox=bbox, within=within).reset_index(drop=True)
    return Imported(foreign.name, sites, rejects, problems, m, n + len(foreign.problems))


def _place(foreign: Foreign, cells: dict[str, pd.Series], m: Mapping, rows: _Rows):
    """Each row's point (lon, lat in WGS84), its parts as WKT, and whether it has one."""
    n = len(foreign.frame)
    parts = pd.Series("", index=range(n), dtype=object)
    if foreign.geometry is not None:
        geoms = foreign.geometry.values
        missing = shapely.is_missing(np.asarray(geoms)) | shapely.is_empty(np.asarray(geoms))
        rows.add(np.flatnonzero(missing), "geometry", "empty geometry: the row has no location")
        kind = shapely.get_type_id(np.asarray(geoms))
        point = np.asarray(geoms).copy()
        other = ~missing & (kind != 0)
        point[other] = shapely.point_on_surface(np.asarray(geoms)[other])
        multi = ~missing & (kind == 4) & (shapely.get_num_geometries(np.asarray(geoms)) > 1)
        if multi.any():
            parts[multi] = shapely.to_wkt(np.asarray(geoms)[multi], rounding_precision=7)
        lon = np.where(missing, np.nan, shapely.get_x(np.where(missing, None, point)))
        lat = np.where(missing, np.nan, shapely.get_y(np.where(missing, None, point)))
        return lon.astype(float), lat.astype(float), parts, ~missing
    # Empty, non-numeric and out-of-range values are reported by the schema checks.
    lon = pd.to_numeric(cells["longitude"], errors="coerce").to_numpy(float)
    lat = pd.to_numeric(cells["latitude"], errors="coerce").to_numpy(float)
    if m.crs:
        from pyproj import CRS, Transformer

        if not CRS.from_user_input(m.crs).equals(CRS.from_epsg(4326)):
            tr = Transformer.from_crs(m.crs, WGS84, always_xy=True)
            lon, lat = tr.transform(lon, lat)
    placed = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    return lon, lat, parts, placed


def _countries(cells, m: Mapping, lon, lat, placed, rows: _Rows, keep_offshore: bool):
    """Stated countries as ISO codes; the join's answer where none is stated."""
    n = len(lon)
    stated_text = cells["country"]
    own = m.values.get("country", {})
    stated = _per_value(stated_text, lambda v: own.get(v) or translate.country_code(v) or "" if v else "")
    unknown = np.flatnonzero(((stated == "") & (stated_text != "")).to_numpy())
    rows.add(unknown, "country", [f"unknown country {stated_text.iloc[i]!r} (a name, ISO alpha-3 or "
                                  "alpha-2 code; or map it under [values.country])" for i in unknown])
    countries = load_countries()
    idx = np.flatnonzero(placed)
    pts = gpd.GeoSeries(gpd.points_from_xy(lon[idx], lat[idx]), crs=WGS84)
    a = assign_polygons(pts, countries, preferred=pd.Series(stated.to_numpy()[idx]))
    iso = countries["iso_a3"].to_numpy()
    pos = a["position"].to_numpy()
    joined = np.full(n, "", dtype=object)
    joined[idx] = np.where(pos >= 0, iso[np.clip(pos, 0, None)], "")
    joined = np.array([ne_to_iso().get(c, c) for c in joined], dtype=object)
    rule = np.full(n, "", dtype=object)
    rule[idx] = a["rule"].to_numpy()
    has_stated = (stated != "").to_numpy()
    country = np.where(has_stated, stated.to_numpy(), joined)
    rule = np.where(has_stated, "stated", rule)
    at_sea = ~has_stated & placed & (joined == "") & (stated_text == "").to_numpy()
    if not keep_offshore:
        rows.add(np.flatnonzero(at_sea), "latitude/longitude",
                 "point lies in no country (at sea?); use --keep-offshore to keep it")
    rule = np.where(at_sea, "none", rule)
    # US sites need their state: the join gives it, and state names become postal codes.
    admin1 = cells["admin1"].copy()
    us = np.flatnonzero((country == "USA") & placed)
    if len(us):
        states = load_us_states()
        by_name = {translate.fold(nm): p for nm, p in zip(states["name"], states["postal"], strict=True)}
        named = admin1.iloc[us].map(lambda v: by_name.get(translate.fold(v), v) if v else v)
        admin1.iloc[us] = named.to_numpy()
        blank = us[(admin1.iloc[us] == "").to_numpy()]
        if len(blank):
            s = assign_polygons(gpd.GeoSeries(gpd.points_from_xy(lon[blank], lat[blank]), crs=WGS84), states,
                                key="postal")
            postal = states["postal"].to_numpy()
            spos = s["position"].to_numpy()
            admin1.iloc[blank] = np.where(spos >= 0, postal[np.clip(spos, 0, None)], "")
    return pd.Series(country, dtype=object), pd.Series(rule, dtype=object), admin1


def _merge(cells, lon, lat, parts, placed, members, kinds):
    """Rows sharing an id and a point become one site (USGS layers give one row per
    commodity of a facility): list fields are united in order, other fields take the
    first value given. Rows sharing an id at different points stay apart (the id
    check reports them)."""
    work = pd.DataFrame(cells)
    key = work["id"].map(_slug) + "@" + pd.Series(np.round(lon, 6)).astype(str) + "," + \
        pd.Series(np.round(lat, 6)).astype(str)
    key = key.where(work["id"].map(_slug) != "", pd.Series(range(len(work))).astype(str) + "#")
    if not key.duplicated().any():
        return cells, lon, lat, parts, placed, members
    group = pd.factorize(key)[0]
    first = np.unique(group, return_index=True)[1]
    out: dict[str, pd.Series] = {}
    dup_groups = np.flatnonzero(np.bincount(group) > 1)
    in_dup = np.isin(group, dup_groups)
    for fld, s in work.items():
        merged = s.iloc[first].reset_index(drop=True)
        sub = s[in_dup]
        if kinds.get(fld) == "list":
            joined = sub.groupby(group[in_dup]).agg(
                lambda v: ";".join(dict.fromkeys(p for cell in v for p in cell.split(";") if p)))
        else:
            joined = sub.where(sub != "").groupby(group[in_dup]).first().fillna("")
        merged.iloc[joined.index.to_numpy()] = joined.to_numpy()
        out[fld] = merged
    members = members.groupby(group).agg(lambda g: sorted(r for rs in g for r in rs)).reset_index(drop=True)
    return out, lon[first], lat[first], parts.iloc[first].reset_index(drop=True), placed[first], members


def _ids(cells, m: Mapping, rows: _Rows) -> pd.Series:
    if "id" in m.columns:
        given = _per_value(cells["id"], _slug)
        empty = np.flatnonzero((given == "").to_numpy())
        rows.add(empty, "id", "empty id (leave the id column out of the mapping to derive ids)")
        return given  # duplicates: check_sites names them with the first row
    base = (_per_value(cells["name"], _slug) + "-" + cells["country"].str.lower()).str.strip("-")
    base = base.where(base != "", "site")
    dup = base.duplicated(keep=False)
    if dup.any():
        # Same name and country twice: the point tells them apart, stably across runs.
        key = cells["longitude"].astype(str) + "," + cells["latitude"].astype(str)
        base[dup] = base[dup] + "-" + key[dup].map(lambda k: hashlib.sha1(k.encode()).hexdigest()[:6])
        again = base.duplicated(keep="first")
        counter = pd.Series(range(int(again.sum())), index=base[again].index).astype(str)
        base[again] = base[again] + "-" + counter
    return base


def _source_ids(path: Path, typed: pd.DataFrame, sources_path) -> set[str] | None:
    from geo.core.columns import SOURCE_COLUMNS
    from geo.core.paths import data_dir

    if not (typed["sources"] != "").any():
        return None
    if sources_path is None:
        beside = path.with_name("sources.csv")
        sources_path = beside if beside.exists() else data_dir() / "sources.csv"
    sources, problems = read_table(Path(sources_path), SOURCE_COLUMNS)
    if problems:
        raise DataError(problems)
    return set(sources["id"])


def _rejects(problems: list[Problem], frame: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in frame.columns if c != ROW]
    renamed = {c: (f"source_{c}" if c in ("row", "field", "reason") else c) for c in cols}
    if not problems:
        return pd.DataFrame(columns=["row", "field", "reason", *renamed.values()])
    by_row = frame.set_index(ROW)[cols].rename(columns=renamed)
    by_row = by_row[~by_row.index.duplicated()]
    head = pd.DataFrame({"row": np.array([p.row for p in problems], dtype=np.int64),
                         "field": [p.field for p in problems], "reason": [p.message for p in problems]})
    original = by_row.reindex(head["row"]).reset_index(drop=True).fillna("")
    return pd.concat([head, original], axis=1)


def _to_sites(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    out = frame.copy()
    out["primary_commodity"] = out["commodities"].str.split(";").str[0].fillna("")
    geom = gpd.points_from_xy(out["longitude"], out["latitude"], crs=WGS84)
    return gpd.GeoDataFrame(out, geometry=geom, crs=WGS84)
