"""Notes against points: a note that places a site "about 38 km NE of Cloncurry" must
agree with the site's coordinates.

The phrases are read from a site's ``notes`` (a distance in km or miles, optionally a
range such as "24-27 km", a compass bearing as letters "NE"/"NNE" or words
"north-east"/"northeast"/"south", then "of <Place>"). The place is looked up in the
bundled gazetteer ``data/places.csv`` (Natural Earth 10m populated places, built by
``scripts/build_places.py``; it is bundled so that ``minetrack validate`` works on a
machine without ``../shared``). The described location is the geodesic point that far
and on that bearing from the place (pyproj ``Geod``, WGS84); a note disagrees with its
point when the point lies more than a quarter of the stated distance from there (for a
range, a quarter of its middle plus half its width).

A phrase whose place the gazetteer does not hold, or that is about another dataset's
point ("the USGS point lies 4 km north"), is not checked: :func:`note_phrases` says
which phrases resolved, so a test can list the bundled notes that go unchecked. The
check that turns disagreements into problems is :func:`geo.facts.checks.check_note_points`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from pyproj import Geod

from geo.core.paths import bundled_data_dir

GEOD = Geod(ellps="WGS84")
PLACES_FILE = "places.csv"
TOLERANCE = 0.25
"""A point may lie this fraction of the stated distance from where its note puts it."""

MILE_M = 1_609.344
_POINTS = ("N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW")
BEARINGS: dict[str, float] = {p: i * 22.5 for i, p in enumerate(_POINTS)}
"""Compass points (16-wind) to degrees clockwise from north."""
_WORDS = {"north": "N", "south": "S", "east": "E", "west": "W"}

_NUMBER = r"\d+(?:[.,]\d+)?"
_UNIT = r"km|kilomet(?:re|er)s?|mi|miles?"
_WORD_BEARING = r"(?:north|south)(?:[- ]?(?:east|west))?|east|west"
_LETTER_BEARING = "|".join(sorted(_POINTS, key=len, reverse=True))
# A place name: capitalised words, with the lower-case joiners of Spanish/Portuguese names.
_PLACE = r"[A-Z][\w'\u2019.-]*(?:\s+(?:(?:de|del|la|las|los|el|do|da|dos)\s+)?[A-Z][\w'\u2019-]*)*"
_PHRASE = re.compile(
    rf"(?P<lo>{_NUMBER})(?:\s*(?:-|\u2013|to)\s*(?P<hi>{_NUMBER}))?\s*(?P<unit>{_UNIT})\.?\s+"
    rf"(?:to\s+the\s+)?(?P<bearing>{_WORD_BEARING}|(?:{_LETTER_BEARING})(?![A-Za-z]))\s+of\s+"
    rf"(?:the\s+(?:town|city|village|port)\s+of\s+)?(?P<place>{_PLACE})"
)
_UNCHECKED_PLACE = re.compile(r"^(?:USGS|PorCu|PorterGeo|The|A|An|Its|It|This)\b")


@dataclass(frozen=True)
class Phrase:
    """One "distance and bearing from a place" phrase of a note."""

    text: str
    distance_m: float
    spread_m: float
    """Half the width of a stated range ("24-27 km": 1.5 km); 0 for one number."""
    bearing_deg: float
    place: str


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def _bearing(text: str) -> float:
    word = text.lower().replace("-", "").replace(" ", "")
    if word in _WORDS:
        return BEARINGS[_WORDS[word]]
    if word[:5] in _WORDS and word[5:] in _WORDS:  # northeast, south-west...
        return BEARINGS[_WORDS[word[:5]] + _WORDS[word[5:]]]
    return BEARINGS[text.upper()]


def parse_phrases(note: str) -> list[Phrase]:
    """The distance-and-bearing phrases of ``note`` ("about 38 km NE of Cloncurry",
    "9 mi south-east of Ely", "24-27 km north of White Sulphur Springs")."""
    out = []
    for m in _PHRASE.finditer(note or ""):
        place = m["place"].rstrip(".'\u2019")
        if _UNCHECKED_PLACE.match(place):
            continue
        scale = MILE_M if m["unit"].lower().startswith("mi") else 1_000.0
        lo = _number(m["lo"]) * scale
        hi = _number(m["hi"]) * scale if m["hi"] else lo
        lo, hi = min(lo, hi), max(lo, hi)
        out.append(Phrase(m.group(0), (lo + hi) / 2, (hi - lo) / 2, _bearing(m["bearing"]), place))
    return out


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().casefold().strip()


@lru_cache(maxsize=1)
def load_places() -> pd.DataFrame:
    """The bundled gazetteer (``data/places.csv``): one row per (place, spelling), with the
    folded spelling in ``key``; degrees, EPSG:4326."""
    table = pd.read_csv(bundled_data_dir() / PLACES_FILE, dtype={"name": str, "name_ascii": str,
                                                                  "name_alt": str, "country": str},
                        keep_default_na=False)
    spellings = []
    for column in ("name", "name_ascii", "name_alt"):
        names = table[column].str.split("|").explode()
        names = names[names.fillna("") != ""]
        spellings.append(pd.DataFrame({"key": names.map(_fold)}, index=names.index))
    keys = pd.concat(spellings).reset_index().drop_duplicates(["index", "key"]).set_index("index")
    return keys.join(table[["name", "country", "latitude", "longitude", "pop_max"]])


def locate(place: str, country: str | None, lon: float, lat: float, *,
           near_m: float = 200_000.0) -> pd.Series | None:
    """The gazetteer row for ``place`` within ``near_m`` metres of (lon, lat), nearest first,
    in ``country`` if it has one there, else abroad (a town across a border); None if the
    gazetteer has no place of that name so near."""
    places = load_places()
    hits = places[places["key"] == _fold(place)]
    if hits.empty:
        return None
    d = GEOD.inv(np.full(len(hits), lon), np.full(len(hits), lat),
                  hits["longitude"].to_numpy(float), hits["latitude"].to_numpy(float))[2]
    # A namesake far away (White Sulphur Springs, West Virginia, for a Montana mine) is
    # not the place meant; a point that far off is the country and state checks' business.
    d = np.where(d <= near_m, d, np.inf)
    home = hits["country"].to_numpy() == country
    if np.isfinite(d[home]).any():
        d = np.where(home, d, np.inf)
    if not np.isfinite(d).any():
        return None
    return hits.iloc[int(np.argmin(d))]


def note_phrases(sites: pd.DataFrame) -> pd.DataFrame:
    """Every distance-and-bearing phrase in ``sites["notes"]`` with what the check finds:
    ``place_found``, the described point (``expected_lon``/``expected_lat``, degrees),
    ``off_m`` (metres from the site's point to it) and ``allowed_m``; one row per phrase,
    indexed like ``sites``."""
    columns = ["id", "text", "place", "distance_m", "bearing_deg", "place_found", "place_lon",
               "place_lat", "site_lon", "site_lat", "expected_lon", "expected_lat", "off_m", "allowed_m"]
    if "notes" not in sites.columns or sites.empty:
        return pd.DataFrame(columns=columns)
    lat = pd.to_numeric(sites["latitude"], errors="coerce")
    lon = pd.to_numeric(sites["longitude"], errors="coerce")
    rows, index = [], []
    notes = sites["notes"].fillna("").astype(str)
    has = notes.str.contains(r"\d\s*(?:km|mi|kilomet|mile)", regex=True)
    for i in sites.index[has & lat.notna() & lon.notna()]:
        for p in parse_phrases(notes[i]):
            hit = locate(p.place, sites.at[i, "country"] if "country" in sites else None, lon[i], lat[i],
                         near_m=2 * p.distance_m + 100_000.0)
            rows.append({"id": sites.at[i, "id"] if "id" in sites else "", "text": p.text, "place": p.place,
                         "distance_m": p.distance_m, "bearing_deg": p.bearing_deg,
                         "place_found": hit is not None,
                         "place_lon": np.nan if hit is None else float(hit["longitude"]),
                         "place_lat": np.nan if hit is None else float(hit["latitude"]),
                         "allowed_m": TOLERANCE * p.distance_m + p.spread_m,
                         "site_lon": float(lon[i]), "site_lat": float(lat[i])})
            index.append(i)
    if not rows:
        return pd.DataFrame(columns=columns)
    out = pd.DataFrame(rows, index=index)
    found = out["place_found"].to_numpy()
    ex_lon = np.full(len(out), np.nan)
    ex_lat = np.full(len(out), np.nan)
    off = np.full(len(out), np.nan)
    if found.any():
        f = out[found]
        # One vectorised forward and one inverse geodesic for all phrases at once.
        ex_lon[found], ex_lat[found], _ = GEOD.fwd(f["place_lon"].to_numpy(), f["place_lat"].to_numpy(),
                                                    f["bearing_deg"].to_numpy(), f["distance_m"].to_numpy())
        off[found] = GEOD.inv(f["site_lon"].to_numpy(), f["site_lat"].to_numpy(),
                               ex_lon[found], ex_lat[found])[2]
    out["expected_lon"], out["expected_lat"], out["off_m"] = ex_lon, ex_lat, off
    return out[columns]
