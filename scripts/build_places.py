"""Build data/places.csv: the gazetteer `minetrack validate` geocodes note phrases with.

A note such as "about 38 km NE of Cloncurry" names a place; validate looks the place up
here and checks the site's point against the distance and bearing. The table is every
feature of Natural Earth 10m populated places (simple), version 4.0.0 (public domain),
cut to the columns the lookup needs: the name, its ASCII form and Natural Earth's
alternative names, the ISO 3166-1 alpha-3 code of the country, the point (degrees,
EPSG:4326, rounded to 1e-4, about 11 m) and the largest population figure (to break
ties). It is bundled, not read from ../shared at run time, so that validate works on a
fresh machine.

    python scripts/build_places.py [path/to/ne_10m_populated_places_simple.json]
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
DEFAULT = ROOT.parent / "shared" / "realdata" / "natural-earth-v4" / "ne_10m_populated_places_simple.json"
# Natural Earth's own country codes and their ISO 3166-1 equivalent (see data/ne_codes.csv).
NE_TO_ISO = {"SDS": "SSD", "KOS": "XKX", "PSX": "PSE", "SAH": "ESH", "CYN": "CYP", "SOL": "SOM"}


def main(source: Path) -> None:
    features = json.loads(source.read_text(encoding="utf-8"))["features"]
    rows = []
    for f in features:
        p = f["properties"]
        code = NE_TO_ISO.get(p["adm0_a3"], p["adm0_a3"])
        alt = "|".join(a.strip() for a in (p.get("namealt") or "").split("|") if a.strip())
        ascii_name = p["nameascii"] if p["nameascii"] != p["name"] else ""
        rows.append((p["name"], ascii_name, alt, code, f"{p['latitude']:.4f}", f"{p['longitude']:.4f}",
                     int(p["pop_max"] or 0)))
    rows.sort(key=lambda r: (r[3], r[0], -r[6]))
    out = DATA / "places.csv"
    tmp = out.with_suffix(".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["name", "name_ascii", "name_alt", "country", "latitude", "longitude", "pop_max"])
        w.writerows(rows)
    tmp.replace(out)
    print(f"{out}: {len(rows)} places")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT)
