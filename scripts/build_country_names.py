"""Build data/country_names.csv: every spelling of a country minetrack reads on import.

Names come from ISO 3166-1 (short, official and common names, as the Debian
iso-codes data that PyPI ``pycountry`` ships), from Natural Earth's own names in
data/countries.geojson, and from a short list of the U.S. Department of State's
short forms that USGS layers use ("Congo (Kinshasa)"). Every name maps to the
ISO alpha-3 code of a polygon in data/countries.geojson, so the import's country
check can compare it with the join.

    pip install -e '.[build-data]' && python scripts/build_country_names.py
"""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

import geopandas as gpd
import pycountry

DATA = Path(__file__).resolve().parents[1] / "data"

# Department of State short forms and other spellings seen in USGS and trackers'
# exports, with the ISO code they stand for.
STATE_DEPT = {
    "Congo (Kinshasa)": "COD", "Congo (Brazzaville)": "COG", "Burma": "MMR",
    "Democratic Republic of the Congo": "COD", "Republic of the Congo": "COG", "DR Congo": "COD",
    "DRC": "COD", "Ivory Coast": "CIV", "Cote d'Ivoire": "CIV", "Laos": "LAO", "Russia": "RUS",
    "South Korea": "KOR", "Korea, South": "KOR", "North Korea": "PRK", "Korea, North": "PRK",
    "Iran": "IRN", "Syria": "SYR", "Vietnam": "VNM", "Bolivia": "BOL", "Venezuela": "VEN",
    "Tanzania": "TZA", "Moldova": "MDA", "Macedonia": "MKD", "Czech Republic": "CZE",
    "Turkey": "TUR", "Eswatini": "SWZ", "Swaziland": "SWZ", "Cabo Verde": "CPV",
    "The Gambia": "GMB", "Gambia, The": "GMB", "Bahamas, The": "BHS", "Micronesia": "FSM",
    "United States of America": "USA", "USA": "USA", "U.S.": "USA", "UK": "GBR",
    "Great Britain": "GBR", "Kosovo": "XKX", "Taiwan": "TWN", "Palestine": "PSE",
    "Brunei": "BRN", "East Timor": "TLS", "Vatican City": "VAT",
}
# ISO territories that Natural Earth 1:50m draws inside another country's polygon.
WITHIN = {"REU": "FRA", "GUF": "FRA", "GLP": "FRA", "MTQ": "FRA", "MYT": "FRA", "SJM": "NOR",
          "BES": "NLD", "BVT": "NOR", "UMI": "USA", "TKL": "NZL", "CXR": "AUS", "CCK": "AUS"}


def fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold().strip()


def main() -> None:
    countries = gpd.read_file(DATA / "countries.geojson")
    polygons = set(countries["iso_a3"])
    rows: dict[str, tuple[str, str, str]] = {}

    def add(name: str, iso: str, basis: str, source: str) -> None:
        iso = WITHIN.get(iso, iso)
        if iso in polygons and fold(name) not in rows:
            rows[fold(name)] = (name, iso, basis, source)

    for c in countries.itertuples():
        add(c.name, c.iso_a3, "Natural Earth name", "natural-earth-admin0-50m")
    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            if getattr(c, attr, None):
                basis = "ISO 3166-1 " + attr.replace("_", " ")
                if c.alpha_3 in WITHIN:
                    basis += f"; drawn inside {WITHIN[c.alpha_3]} by Natural Earth 1:50m"
                add(getattr(c, attr), c.alpha_3, basis, "iso-3166-1-iso-codes")
    for name, iso in STATE_DEPT.items():
        add(name, iso, "short form used by the US Department of State and USGS",
            "state-dept-independent-states")
    with (DATA / "country_names.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["name", "iso_a3", "basis", "sources"])
        for _, row in sorted(rows.items()):
            w.writerow(row)


if __name__ == "__main__":
    main()
