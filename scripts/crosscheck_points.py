"""Cross-check every `exact` site point against the USGS datasets in ../shared/realdata.

The rule (data/PROVENANCE.md): a point stays `exact` only when two independent cited
sources put the site within 2 km of it. The USGS datasets are one such source where they
cover the site: the porphyry copper database (Singer, Berger and Moring 2008, OFR
2008-1155), the mineral industries of Africa (2021 data release: facilities and
deposits) and the lithium deposits of the United States (Karl and others 2019). For each
exact site this script finds the USGS record of the same name nearest the point (name
tokens shared with the site's name or aliases, within 30 km), measures the geodesic
distance (pyproj Geod, WGS84) and decides:

- ``keep``: a USGS record of the same site lies within 2 km and the point itself comes
  from another cited source (a PorterGeo record, a state permit, the acid-plant
  database, a company document), or the point is the USGS one and the notes report a
  second cited source within 2 km (``SECOND`` below);
- ``downgrade``: anything else, with the reason (no USGS record of the site; the USGS
  record lies more than 2 km away; the point is the USGS record and nothing else cited
  confirms it).

    python scripts/crosscheck_points.py                 # table on stdout (CSV)
    python scripts/crosscheck_points.py --apply         # also downgrade in data/sites.csv

``--apply`` sets ``location_accuracy`` to ``approximate`` and appends the reason to the
row's notes; it writes the file atomically and touches no other row.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import unicodedata
from pathlib import Path

import numpy as np
from pyproj import Geod

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "realdata"
GEOD = Geod(ellps="WGS84")
AGREE_M = 2_000.0
SEARCH_M = 30_000.0

# Sites whose point is the USGS record and whose notes report a second *cited* source
# giving a position within 2 km of it (site id -> that source's id in sources.csv).
SECOND = {
    "tyrone": "g2-portergeo-tyrone",       # "USGS point, PorterGeo point 1.x km away"
    "escondida": "g3-infomine-escondida",  # "USGS point matches InfoMine 24 16'S 69 04'W"
}
# USGS names that share no token with minetrack's name (minetrack id -> USGS name).
ALIASES = {
    "chino": "Santa Rita", "robinson": "Ely", "sierrita": "Esperanza-Sierrita",
    "buenavista-del-cobre": "Cananea", "butte-continental": "Continental/Butte",
    "collahuasi": "Rosario", "ministro-hales": "Mansa Mina", "highland-valley": "Valley",
    "cactus": "Sacaton", "pinto-valley": "Castle Dome", "las-bambas": "Chalcobamba",
}
# Where a row's notes say its point comes from: the first source named with "point".
_POINT_SOURCE = re.compile(
    r"(?:point (?:is |from |placed at )?(?:the |its )?(?P<a>USGS|PorterGeo|Mindat|Montana DEQ"
    r"|Wikipedia|InfoMine"
    r"|acid plant|smelter acid plant|smelter-gas acid plant|site centre|\d[\d,]* ft Garfield stack))"
    r"|(?:(?P<b>USGS|PorterGeo|Mindat|Wikipedia|InfoMine)\b[\w' /()-]{0,40}?\bpoint)", re.IGNORECASE)
UNCITED = {"wikipedia"}
"""Point sources minetrack no longer cites (encyclopedias): a point from one is unconfirmed."""
_GENERIC = {"mine", "mines", "smelter", "refinery", "copper", "project", "deposit", "deposits", "the",
            "de", "del", "la", "el", "los", "las", "operation", "complex", "plant", "pit", "and", "of",
            "cu", "mining", "division", "open", "underground", "minerals", "district", "mina"}


def _tokens(*texts: str) -> set[str]:
    out: set[str] = set()
    for text in texts:
        folded = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
        out |= {t for t in re.split(r"[^a-z0-9]+", folded) if len(t) > 2 and t not in _GENERIC}
    return out


def load_usgs(shared: Path) -> list[dict]:
    """Every USGS record as {dataset, source, name, tokens, lon, lat}."""
    rows: list[dict] = []
    porcu = shared / "usgs-porphyry-copper-2008" / "PorCuEX2008.csv"
    with porcu.open(encoding="latin-1", newline="") as fh:
        for r in csv.DictReader(fh):
            name = " ".join(r["NameDeposit"].split())
            rows.append({"dataset": "USGS PorCu 2008", "name": name,
                         "tokens": _tokens(name, r["OtherNames"], r["Includes"]),
                         "lon": float(r["LongitudeDecimal"]), "lat": float(r["LatitudeDecimal"])})
    for layer in ("AFR_Mineral_Facilities", "AFR_Mineral_Deposits"):
        path = shared / "usgs-africa-mineral-industries" / f"{layer}.geojson"
        for f in json.loads(path.read_text(encoding="utf-8"))["features"]:
            p = f["properties"]
            lon, lat = f["geometry"]["coordinates"][:2]
            rows.append({"dataset": f"USGS Africa 2021 ({layer})", "name": p.get("FeatureNam") or "",
                         "tokens": _tokens(p.get("FeatureNam") or "", p.get("NameVar") or ""),
                         "lon": float(lon), "lat": float(lat)})
    with (shared / "usgs-lithium-deposits-us-2019" / "Loc_Pt.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            rows.append({"dataset": "USGS lithium 2019", "name": r["Ftr_Name"],
                         "tokens": _tokens(r["Ftr_Name"], r["Other_Name"]),
                         "lon": float(r["Long_WGS84"]), "lat": float(r["Lat_WGS84"])})
    return rows


def check(sites: list[dict], usgs: list[dict]) -> list[dict]:
    """One verdict row per exact site (see the module docstring)."""
    lon = np.array([u["lon"] for u in usgs])
    lat = np.array([u["lat"] for u in usgs])
    out = []
    for s in sites:
        if s["location_accuracy"] != "exact":
            continue
        x, y = float(s["longitude"]), float(s["latitude"])
        d = np.asarray(GEOD.inv(np.full(len(usgs), x), np.full(len(usgs), y), lon, lat)[2])
        want = _tokens(s["name"], s["aliases"].replace(";", " "), s["id"].replace("-", " "),
                       ALIASES.get(s["id"], ""))
        near = np.flatnonzero(d <= SEARCH_M)
        named = [k for k in near if usgs[k]["tokens"] & want]
        best = min(named, key=lambda k: d[k]) if named else None
        m = _POINT_SOURCE.search(s["notes"])
        source = (m["a"] or m["b"]).lower() if m else ("usgs" if best is not None else "")
        from_usgs = source == "usgs"
        cited = set(s["sources"].split(";"))
        row = {"id": s["id"], "name": s["name"], "country": s["country"],
               "usgs_dataset": usgs[best]["dataset"] if best is not None else "",
               "usgs_name": usgs[best]["name"] if best is not None else "",
               "usgs_distance_m": f"{d[best]:.0f}" if best is not None else "",
               "point_source": source or "not stated"}
        if best is None:
            row["verdict"], row["reason"] = "downgrade", (
                "no USGS record of this site in the porphyry-copper, Africa or US-lithium datasets to "
                "confirm the point, and no second cited source was checked against it")
        elif d[best] > AGREE_M:
            row["verdict"], row["reason"] = "downgrade", (
                f"USGS '{usgs[best]['name']}' ({usgs[best]['dataset']}) lies {d[best] / 1000:.1f} km "
                "from the point, more than 2 km")
        elif source in UNCITED and SECOND.get(s["id"]) not in cited:
            row["verdict"], row["reason"] = "downgrade", (
                f"the point was taken from an encyclopedia article that is no longer cited; USGS "
                f"'{usgs[best]['name']}' lies {d[best] / 1000:.1f} km away but is the only cited source")
        elif from_usgs and SECOND.get(s["id"]) not in cited:
            row["verdict"], row["reason"] = "downgrade", (
                f"the point is the USGS '{usgs[best]['name']}' record itself; no second cited source "
                "was checked to within 2 km")
        else:
            second = SECOND.get(s["id"], "the point's own cited source")
            row["verdict"], row["reason"] = "keep", (
                f"USGS '{usgs[best]['name']}' lies {d[best] / 1000:.1f} km away; second source: {second}")
        out.append(row)
    return out


def apply(path: Path, verdicts: list[dict]) -> int:
    """Downgrade the rows judged ``downgrade`` in ``path`` (atomically); returns how many."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames, list(reader)
    why = {v["id"]: v["reason"] for v in verdicts if v["verdict"] == "downgrade"}
    n = 0
    for r in rows:
        if r["id"] in why and r["location_accuracy"] == "exact":
            r["location_accuracy"] = "approximate"
            note = r["notes"].rstrip().rstrip(".")
            r["notes"] = f"{note}; location downgraded to approximate (2026 cross-check): {why[r['id']]}."
            n += 1
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    tmp.replace(path)
    return n


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sites", type=Path, default=ROOT / "data" / "sites.csv")
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--apply", action="store_true", help="downgrade the failing rows in --sites")
    args = ap.parse_args(argv)
    if not (args.shared / "usgs-porphyry-copper-2008").is_dir():
        print(f"error: USGS datasets not found under {args.shared}", file=sys.stderr)
        return 2
    with args.sites.open(encoding="utf-8", newline="") as fh:
        sites = list(csv.DictReader(fh))
    verdicts = check(sites, load_usgs(args.shared))
    w = csv.DictWriter(sys.stdout, fieldnames=list(verdicts[0]) if verdicts else ["id"], lineterminator="\n")
    w.writeheader()
    w.writerows(verdicts)
    kept = sum(v["verdict"] == "keep" for v in verdicts)
    print(f"{len(verdicts)} exact points checked: {kept} keep, {len(verdicts) - kept} downgrade",
          file=sys.stderr)
    if args.apply:
        print(f"{apply(args.sites, verdicts)} rows downgraded in {args.sites}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
