"""Checks on minetrack's tables beyond their column types.

Each ``check_*`` function takes parsed tables and returns a list of
:class:`~geo.errors.Problem`; nothing here raises on bad data. The spatial check
joins every site to the bundled country (and US state) polygons and reports a
site that lies outside what its row claims, suggesting swapped coordinates when
swapping them would fix it.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.core.errors import Problem
from geo.core.tables import line_numbers, split_list
from geo.core.vocab import (
    CAPACITY_BASES,
    ISO_A3,
    LOCATION_ACCURACY,
    SITE_TYPES,
    STAGES,
    normalise_stage,
    normalise_type,
)
from geo.facts.countries import ne_to_iso
from geo.facts.places import GEOD, note_phrases
from geo.spatial.join import assign_polygons, distances_to

BORDER_TOLERANCE_M = 5_000.0
"""A site may lie this close outside its stated country's 1:50m polygon.

Natural Earth 1:50m borders are generalised; mines sit on or near borders (e.g.
the Andes). Beyond this distance a mismatch is an error.
"""

MIN_YEAR, MAX_YEAR = 1800, 2100


def _dups(series: pd.Series) -> pd.Series:
    return series.duplicated(keep="first") & (series != "")


def check_sites(
    sites: pd.DataFrame,
    file: str,
    *,
    source_ids: set[str] | None,
    countries: gpd.GeoDataFrame,
    states: gpd.GeoDataFrame | None = None,
    spatial: bool = True,
) -> list[Problem]:
    """Problems in a parsed sites table (see :data:`geo.schema.SITE_COLUMNS`).

    ``source_ids`` are the known source ids (None skips that check). ``spatial``: also
    join every point to the country and state polygons and check notes against the
    gazetteer (the slow part; skipped only for a folder already found clean).
    """
    problems: list[Problem] = []
    if sites.empty:
        return problems
    lines = line_numbers(sites)

    def add(i, field, message):
        problems.append(Problem(file, int(lines[i]), field, message))

    first_line = dict(zip(sites["id"][::-1], lines[::-1], strict=True))
    for i in sites.index[_dups(sites["id"])]:
        add(i, "id", f"duplicate id {sites.at[i, 'id']!r} (first at row {first_line[sites.at[i, 'id']]})")

    known_iso = set(countries["iso_a3"])

    def each(mask, field, message) -> None:
        """One problem per row where ``mask`` holds; ``message(value)`` of that row's cell."""
        hits = np.flatnonzero(np.asarray(mask, dtype=bool))
        values = sites[field].to_numpy() if field in sites.columns else None
        for k in hits:
            add(sites.index[k], field, message(values[k] if values is not None else None))

    def text(col: str) -> pd.Series:
        return sites[col].fillna("").astype(str)

    kinds = text("type")
    uniq = {v: normalise_type(v) for v in kinds.unique() if v}
    each(kinds.map(lambda v: bool(v) and uniq[v] is None), "type",
         lambda v: f"unknown site type {v!r} (one of: {', '.join(SITE_TYPES)})")
    stages = text("stage")
    uniq = {v: normalise_stage(v) for v in stages.unique() if v}
    each(stages.map(lambda v: bool(v) and uniq[v] is None), "stage",
         lambda v: f"unknown stage {v!r} (one of: {', '.join(STAGES)})")
    acc = text("location_accuracy")
    each((acc != "") & ~acc.isin(LOCATION_ACCURACY), "location_accuracy",
         lambda v: f"{v!r} is not one of {', '.join(LOCATION_ACCURACY)}")
    code = text("country")
    iso_form = code.str.fullmatch(ISO_A3.pattern.strip("^$"))
    each((code != "") & ~iso_form, "country", lambda v: f"{v!r} is not an ISO 3166-1 alpha-3 code")
    each((code != "") & iso_form & ~code.isin(known_iso), "country", lambda v: f"unknown country code {v!r}")
    lat = pd.to_numeric(sites["latitude"], errors="coerce")
    lon = pd.to_numeric(sites["longitude"], errors="coerce")
    each(lat.notna() & ~lat.between(-90, 90), "latitude", lambda v: f"latitude {v} is outside [-90, 90]")
    each(lon.notna() & ~lon.between(-180, 180), "longitude",
         lambda v: f"longitude {v} is outside [-180, 180]")
    cap = pd.to_numeric(sites["capacity"], errors="coerce")
    each(cap.notna() & (cap < 0), "capacity", lambda v: f"negative capacity {v}")
    each(cap.notna() & (text("capacity_unit") == ""), "capacity_unit",
         lambda v: "capacity is given without a unit")
    basis = text("capacity_basis")
    each((basis != "") & ~basis.isin(CAPACITY_BASES), "capacity_basis",
         lambda v: f"{v!r} is not one of {', '.join(CAPACITY_BASES)}")
    for field in ("capacity_year", "start_year"):
        year = pd.to_numeric(sites[field], errors="coerce")
        each(year.notna() & ~year.between(MIN_YEAR, MAX_YEAR), field,
             lambda v: f"year {v} is outside {MIN_YEAR}-{MAX_YEAR}")

    problems.extend(unknown_sources(sites, file, source_ids))
    if spatial:
        problems.extend(check_locations(sites, file, countries, states))
        problems.extend(check_note_points(sites, file))
    return problems


def _located(sites: pd.DataFrame) -> pd.DataFrame:
    lat, lon = sites["latitude"], sites["longitude"]
    ok = lat.notna() & lon.notna() & lat.between(-90, 90) & lon.between(-180, 180)
    return sites[ok]


def check_locations(
    sites: pd.DataFrame,
    file: str,
    countries: gpd.GeoDataFrame,
    states: gpd.GeoDataFrame | None = None,
) -> list[Problem]:
    """Problems where a site's point is not in the country (or US state) it states."""
    problems: list[Problem] = []
    lines = line_numbers(sites)
    known = set(countries["iso_a3"])
    rows = _located(sites)
    rows = rows[rows["country"].isin(known)]
    if rows.empty:
        return problems
    pts = gpd.GeoSeries(
        gpd.points_from_xy(rows["longitude"], rows["latitude"]), index=rows.index, crs="EPSG:4326"
    )
    a = assign_polygons(pts, countries, preferred=rows["country"])
    iso = countries["iso_a3"].to_numpy()
    got = pd.Series(np.where(a.position >= 0, iso[a.position.clip(lower=0)], None), index=rows.index)
    same = ne_to_iso()
    wrong = rows.index[got.map(lambda c: same.get(c, c)).to_numpy() != rows["country"].to_numpy()]
    if len(wrong):
        shape_of = dict(zip(iso, countries.geometry.values, strict=True))
        stated = rows.loc[wrong, "country"].to_numpy()
        lon, lat = rows.loc[wrong, "longitude"].to_numpy(float), rows.loc[wrong, "latitude"].to_numpy(float)
        target = np.array([shape_of[c] for c in stated], dtype=object)
        away = distances_to(lon, lat, target)
        swapped = (np.abs(lon) <= 90) & shapely.contains_xy(target, lat, lon)
        flipped = np.where(shapely.contains_xy(target, lon, -lat), "latitude",
                           np.where(shapely.contains_xy(target, -lon, lat), "longitude", ""))
        for k, i in enumerate(wrong):
            if away[k] <= BORDER_TOLERANCE_M:
                continue
            msg = _where(got[i], a.at[i, "rule"], a.at[i, "distance_m"], stated[k], away[k] / 1000)
            if swapped[k]:
                msg += "; latitude and longitude look swapped"
            elif flipped[k]:
                lands = got[i] if isinstance(got[i], str) else "no country"
                msg = (f"{flipped[k]} sign looks flipped: the point lands in {lands}, "
                       f"the row says {stated[k]}")
            problems.append(Problem(file, int(lines[i]), "latitude/longitude", msg))

    if states is not None:
        problems.extend(_check_states(rows[got == "USA"], file, states, lines))
    return problems


def _where(got, rule, dist_m, stated, stated_km) -> str:
    if got is None or (isinstance(got, float) and np.isnan(got)):
        place = "lies in no country (at sea?)"
    elif rule == "nearest":
        place = f"lies off the coast of {got} ({dist_m / 1000:.1f} km)"
    else:
        place = f"lies in {got}"
    return f"point {place}, not in stated country {stated} ({stated_km:.1f} km away)"


def _check_states(
    rows: pd.DataFrame, file: str, states: gpd.GeoDataFrame, lines: pd.Series
) -> list[Problem]:
    problems: list[Problem] = []
    if rows.empty:
        return problems
    codes = set(states["postal"])
    pts = gpd.GeoSeries(
        gpd.points_from_xy(rows["longitude"], rows["latitude"]), index=rows.index, crs="EPSG:4326"
    )
    a = assign_polygons(pts, states, preferred=rows["admin1"], key="postal")
    postal = states["postal"].to_numpy()
    shape_of = dict(zip(postal, states.geometry.values, strict=True))
    pos = a["position"].to_numpy()
    got = np.where(pos >= 0, postal[np.clip(pos, 0, None)], None)
    stated = rows["admin1"].to_numpy()
    off = np.flatnonzero((got != stated) & np.isin(stated, list(codes)))
    away = distances_to(rows["longitude"].to_numpy(float)[off], rows["latitude"].to_numpy(float)[off],
                        np.array([shape_of[c] for c in stated[off]], dtype=object))
    too_far = dict(zip(off.tolist(), (away > BORDER_TOLERANCE_M).tolist(), strict=True))
    dist_of = dict(zip(off.tolist(), away.tolist(), strict=True))
    for k, i in enumerate(rows.index):
        if not stated[k]:
            problems.append(Problem(file, int(lines[i]), "admin1", "US site needs a state code"))
        elif stated[k] not in codes:
            problems.append(Problem(file, int(lines[i]), "admin1", f"unknown US state code {stated[k]!r}"))
        elif too_far.get(k):
            problems.append(Problem(
                file, int(lines[i]), "admin1",
                f"point lies in {got[k] or 'no state'}, not in stated state {stated[k]} "
                f"({dist_of[k] / 1000:.1f} km away)",
            ))
    return problems


def check_sources(sources: pd.DataFrame, file: str) -> list[Problem]:
    """Duplicate source ids, implausible years and citations minetrack does not accept
    (see :func:`refused_citation`)."""
    problems: list[Problem] = []
    lines = line_numbers(sources)
    for i in sources.index[_dups(sources["id"])]:
        problems.append(Problem(file, int(lines[i]), "id", f"duplicate source id {sources.at[i, 'id']!r}"))
    for i in sources.index[sources["year"].notna() & ~sources["year"].between(MIN_YEAR, MAX_YEAR)]:
        problems.append(Problem(file, int(lines[i]), "year", f"implausible year {sources.at[i, 'year']}"))
    for column in ("url", "publisher", "title"):
        if column not in sources.columns:
            return problems
    for i, r in sources.iterrows():
        why = refused_citation(r["url"], r["publisher"], r["title"])
        if why:
            problems.append(Problem(file, int(lines[i]), "url", f"{r['id']}: {why}"))
    return problems


# Encyclopedias edited by anyone or written by a model, and the mirrors that copy them:
# never a primary document. Matched on the host (and its parents) and on the publisher.
ENCYCLOPEDIA_HOSTS = frozenset({
    "wikipedia.org", "wikimedia.org", "wikidata.org", "wikiwand.com", "wikimili.com", "grokipedia.com",
    "britannica.com", "liquisearch.com", "nearbywiki.org", "pinocchiopedia.com", "piglix.com",
    "knowpia.com", "es-academic.com", "en-academic.com", "wikiup.org", "wiki.li", "wikivisually.com",
    "wikiclassic.com", "wikipedia-on-ipfs.org", "encyclopedia.com", "everybodywiki.com", "dbpedia.org",
})
_ENCYCLOPEDIA_TEXT = re.compile(
    r"\b(?:wikipedia|grokipedia|wikidata|wikimili|wikiwand|kiwix|encyclop(?:a)?edia)\b", re.IGNORECASE)
# The path of a site's front page: nothing, a language code or an index file.
_HOME_PATH = re.compile(r"/?(?:[a-z]{2}(?:[-_][a-z]{2})?/?)?(?:(?:index|default|home)(?:\.\w+)?/?)?",
                        re.IGNORECASE)
_POLICY_PATH = re.compile(r"privacy|terms-(?:of-(?:use|service)|and-conditions)|cookie-?policy|disclaimer",
                          re.IGNORECASE)


def refused_citation(url: object, publisher: object = "", title: object = "") -> str:
    """Why a citation is not a primary document, or ``""`` if nothing is wrong with it:
    an encyclopedia (Wikipedia, Grokipedia and their mirrors), a bare home page (a URL
    whose path is empty, a language code or an index file: it names no document) or a
    privacy-policy / terms-of-use page. Document identifiers that are not http(s) URLs
    are not judged."""
    text = "" if url is None or (isinstance(url, float) and np.isnan(url)) else str(url).strip()
    said = f"{publisher or ''} {title or ''}"
    if _ENCYCLOPEDIA_TEXT.search(said):
        return "cites an encyclopedia (Wikipedia, Grokipedia or a copy); cite a primary document"
    parts = urlsplit(text) if re.match(r"https?://", text, re.IGNORECASE) else None
    if parts is None:
        return ""
    host = (parts.hostname or "").lower().rstrip(".")
    labels = host.split(".")
    if any(".".join(labels[k:]) in ENCYCLOPEDIA_HOSTS for k in range(len(labels) - 1)) or \
            _ENCYCLOPEDIA_TEXT.search(parts.path):
        return f"cites an encyclopedia ({host}); cite a primary document"
    if _POLICY_PATH.search(parts.path):
        return "URL is a privacy-policy or terms page, not the document cited"
    if not parts.query and _HOME_PATH.fullmatch(parts.path or ""):
        return f"URL is a bare home page ({host}); cite the document itself"
    return ""


def check_owners(
    owners: pd.DataFrame, file: str, *, source_ids: set[str], known_iso: set[str]
) -> list[Problem]:
    """Duplicate owner ids, unknown HQ country codes and unknown sources."""
    problems: list[Problem] = []
    lines = line_numbers(owners)
    for i in owners.index[_dups(owners["id"])]:
        problems.append(Problem(file, int(lines[i]), "id", f"duplicate owner id {owners.at[i, 'id']!r}"))
    for i, r in owners.iterrows():
        if r["hq_country"] and r["hq_country"] not in known_iso:
            problems.append(Problem(file, int(lines[i]), "hq_country",
                                    f"unknown country code {r['hq_country']!r}"))
    return problems + unknown_sources(owners, file, source_ids)


def check_ownership(
    ownership: pd.DataFrame,
    file: str,
    *,
    site_ids: set[str],
    owner_ids: set[str],
    source_ids: set[str],
) -> list[Problem]:
    """Unknown sites/owners, stakes outside (0, 100], stakes of a site over 100 %, two operators."""
    problems: list[Problem] = []
    lines = line_numbers(ownership)

    def add(i, field, message):
        problems.append(Problem(file, int(lines[i]), field, message))

    pair = ownership["site_id"] + "/" + ownership["owner_id"]
    for i in ownership.index[_dups(pair)]:
        add(i, "owner_id", f"owner {ownership.at[i, 'owner_id']!r} listed twice for this site")
    for i, r in ownership.iterrows():
        if r["site_id"] and r["site_id"] not in site_ids:
            add(i, "site_id", f"unknown site id {r['site_id']!r}")
        if r["owner_id"] and r["owner_id"] not in owner_ids:
            add(i, "owner_id", f"unknown owner id {r['owner_id']!r}")
        eq = r["equity_pct"]
        if pd.notna(eq) and not 0 < eq <= 100:
            add(i, "equity_pct", f"stake {eq} is outside (0, 100]")
    problems += unknown_sources(ownership, file, source_ids)
    total = ownership.groupby("site_id")["equity_pct"].sum()
    for site, pct in total[total > 100.005].items():
        last = ownership.index[ownership["site_id"] == site][-1]
        add(last, "equity_pct", f"stakes of site {site!r} sum to {pct:g}% (over 100%)")
    ops = ownership[ownership["operator"] == True]  # noqa: E712  (nullable boolean)
    for site, n in ops.groupby("site_id").size().items():
        if n > 1:
            last = ops.index[ops["site_id"] == site][-1]
            add(last, "operator", f"site {site!r} has {n} operators flagged")
    return problems


def check_references(
    frame: pd.DataFrame,
    file: str,
    *,
    code_fields: tuple[str, ...] = (),
    known_iso: set[str] | None = None,
    extra_codes: tuple[str, ...] = (),
    source_ids: set[str] | None = None,
) -> list[Problem]:
    """Unknown country codes in ``code_fields`` (``extra_codes`` such as WLD/OTH allowed)
    and unknown ids in the ``sources`` column, one problem per cell."""
    problems: list[Problem] = []
    lines = line_numbers(frame)
    allowed = None if known_iso is None else set(known_iso) | set(extra_codes)
    for i, r in frame.iterrows():
        if allowed is not None:
            for field in code_fields:
                if r[field] not in allowed:
                    problems.append(Problem(file, int(lines[i]), field,
                                            f"unknown country code {r[field]!r}"))
    return problems + unknown_sources(frame, file, source_ids)


def unknown_sources(frame: pd.DataFrame, file: str, source_ids: set[str] | None) -> list[Problem]:
    """One problem per id in the ``sources`` column that ``source_ids`` does not hold
    (None: nothing to check against)."""
    if source_ids is None or "sources" not in frame.columns:
        return []
    lines = line_numbers(frame)
    return [Problem(file, int(lines[i]), "sources", f"unknown source id {sid!r}")
            for i, cell in frame["sources"].items() for sid in split_list(cell) if sid not in source_ids]


def check_note_points(sites: pd.DataFrame, file: str) -> list[Problem]:
    """One problem per note phrase ("38 km NE of Cloncurry", see :mod:`geo.facts.places`)
    whose place the gazetteer knows and whose point lies more than
    :data:`~geo.facts.places.TOLERANCE` of the stated distance from where the note puts it."""
    phrases = note_phrases(sites)
    if phrases.empty:
        return []
    lines = line_numbers(sites)
    bad = phrases[phrases["place_found"] & (phrases["off_m"] > phrases["allowed_m"])]
    # Where the point actually is, seen from the place: distance and azimuth.
    az, _, dist = GEOD.inv(bad["place_lon"].to_numpy(float), bad["place_lat"].to_numpy(float),
                            bad["site_lon"].to_numpy(float), bad["site_lat"].to_numpy(float))
    problems = []
    for k, (i, r) in enumerate(bad.iterrows()):
        problems.append(Problem(
            file, int(lines[i]), "notes",
            f"{r['id']}: note says {r['text']!r} but the point is {dist[k] / 1000:.1f} km at "
            f"{az[k] % 360:.0f}\u00b0 from {r['place']}, {r['off_m'] / 1000:.1f} km from where the note "
            f"puts it (allowed {r['allowed_m'] / 1000:.1f} km)"))
    return problems
