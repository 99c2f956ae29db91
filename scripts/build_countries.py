"""Build data/countries.geojson and data/us_states.geojson from registry packages.

Sources (both public domain, fetched from the npm registry by name and version):
- world-atlas@2.0.2, countries-50m.json: Natural Earth 1:50m admin-0 countries as
  TopoJSON (name + ISO 3166-1 numeric id).
- us-atlas@3.0.1, states-10m.json: US Census Bureau cartographic boundary states
  (1:10,000,000) as TopoJSON (name + FIPS id).

Attributes come from PyPI packages: ISO alpha-3, continent and UN region from the
table shipped in country-converter (read as data, not through its API), USPS state
codes from pycountry's ISO 3166-2:US subdivisions.

Run: pip install '.[build-data]' && python scripts/build_countries.py
It needs `npm` on PATH and the npm registry; it writes both files atomically.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.affinity

ROOT = Path(__file__).resolve().parent.parent
WORLD_ATLAS = "world-atlas@2.0.2"
US_ATLAS = "us-atlas@3.0.1"
PRECISION = 1e-5  # degrees; ~1 m, well below the 1:50m source's own accuracy

# Natural Earth features without an ISO 3166 numeric code. The alpha-3 codes are
# Natural Earth's own ADM0_A3 codes (XKX is the code the EU and IMF use for Kosovo).
NO_ISO = {
    "Kosovo": ("XKX", "Europe", "Southern Europe"),
    "Somaliland": ("SOL", "Africa", "Eastern Africa"),
    "N. Cyprus": ("CYN", "Asia", "Western Asia"),
    "Indian Ocean Ter.": ("IOA", "Oceania", "Australia and New Zealand"),
    "Siachen Glacier": ("KAS", "Asia", "Southern Asia"),
}


def _unwrap(ring: np.ndarray) -> np.ndarray:
    """Make a ring's longitudes continuous (a jump over 180 degrees becomes +-360)."""
    x = ring[:, 0]
    step = np.diff(x)
    shift = np.concatenate([[0.0], np.cumsum(-360.0 * np.sign(step) * (np.abs(step) > 180))])
    return np.column_stack([x + shift, ring[:, 1]])


def split_at_antimeridian(geom):
    """Cut polygons whose rings cross the antimeridian into parts on either side.

    world-atlas stitches polygons across +-180 for spherical rendering (Russia,
    Fiji); planar GIS needs them cut there.
    """
    pieces = []
    for part in shapely.get_parts(geom):
        rings = [np.asarray(part.exterior.coords)] + [np.asarray(r.coords) for r in part.interiors]
        if not any((np.abs(np.diff(r[:, 0])) > 180).any() for r in rings):
            pieces.append(part)
            continue
        shell = _unwrap(rings[0])
        holes = []
        for r in rings[1:]:
            h = _unwrap(r)
            h[:, 0] += 360.0 * np.round((shell[:, 0].mean() - h[:, 0].mean()) / 360.0)
            holes.append(h)
        whole = shapely.make_valid(shapely.Polygon(shell, holes))
        for offset in (-360.0, 0.0, 360.0):
            window = shapely.box(-180.0 - offset, -90.0, 180.0 - offset, 90.0)
            clipped = shapely.intersection(whole, window)
            if not clipped.is_empty:
                pieces.append(shapely.affinity.translate(clipped, xoff=offset))
    polys = [p for g in pieces for p in shapely.get_parts(g)
             if shapely.get_type_id(p) == 3 and p.area > 0]
    return shapely.make_valid(shapely.MultiPolygon(polys)) if polys else shapely.Polygon()


def npm_file(spec: str, member: str, workdir: Path) -> Path:
    """Fetch one npm package tarball with `npm pack` and extract one file from it."""
    out = subprocess.run(
        ["npm", "pack", spec, "--silent", "--pack-destination", str(workdir)],
        check=True, capture_output=True, text=True,
    ).stdout.strip().splitlines()[-1]
    with tarfile.open(workdir / out) as tar:
        tar.extract(f"package/{member}", workdir, filter="data")
    return workdir / "package" / member


def country_table() -> pd.DataFrame:
    import country_converter

    tsv = Path(country_converter.__file__).with_name("country_data.tsv")
    t = pd.read_csv(tsv, sep="\t", dtype=str, keep_default_na=False)
    t = t[t["ISOnumeric"] != ""]
    t["numeric"] = t["ISOnumeric"].astype(int)
    return t.set_index("numeric")[["ISO3", "ISO2", "name_short", "continent", "UNregion"]]


def build_countries(path: Path) -> gpd.GeoDataFrame:
    raw = gpd.read_file(path, layer="countries")
    table = country_table()
    rows = []
    for ident, name in zip(raw["id"], raw["name"], strict=True):
        if ident is None or pd.isna(ident):
            iso3, continent, region = NO_ISO[name]
            rows.append((iso3, "", continent, region, False))
            continue
        rec = table.loc[int(ident)]
        rows.append((rec.ISO3, rec.ISO2, rec.continent, rec.UNregion, True))
    attrs = pd.DataFrame(rows, columns=["iso_a3", "iso_a2", "continent", "region", "iso_official"])
    geom = np.array([split_at_antimeridian(g) for g in raw.geometry.values], dtype=object)
    geom = shapely.make_valid(shapely.set_precision(geom, PRECISION))
    out = gpd.GeoDataFrame(
        {"iso_a3": attrs.iso_a3, "iso_a2": attrs.iso_a2, "name": raw["name"],
         "continent": attrs.continent, "region": attrs.region,
         "iso_official": attrs.iso_official},
        geometry=geom, crs="EPSG:4326",
    )
    # One feature per code: world-atlas splits nothing, but guard against it.
    out = out.dissolve(by="iso_a3", aggfunc="first", as_index=False)
    out = out[["iso_a3", "iso_a2", "name", "continent", "region", "iso_official", "geometry"]]
    if out.iso_a3.duplicated().any():
        sys.exit("duplicate ISO codes after build")
    return out.sort_values("iso_a3").reset_index(drop=True)


def build_states(path: Path) -> gpd.GeoDataFrame:
    import pycountry

    raw = gpd.read_file(path, layer="states")
    by_name = {s.name: s.code.split("-")[1] for s in pycountry.subdivisions.get(country_code="US")}
    # us-atlas spells a few areas differently from ISO 3166-2:US.
    by_name.update({
        "District of Columbia": "DC",
        "Commonwealth of the Northern Mariana Islands": "MP",
        "United States Virgin Islands": "VI",
        "Puerto Rico": "PR", "Guam": "GU", "American Samoa": "AS",
    })
    codes = [by_name[n] for n in raw["name"]]
    geom = shapely.set_precision(shapely.make_valid(raw.geometry.values), PRECISION)
    out = gpd.GeoDataFrame(
        {"postal": codes, "name": raw["name"], "fips": raw["id"]}, geometry=geom, crs="EPSG:4326"
    )
    return out.sort_values("postal").reset_index(drop=True)


def write(gdf: gpd.GeoDataFrame, target: Path) -> None:
    tmp = target.with_suffix(".tmp.geojson")
    gdf.to_file(tmp, driver="GeoJSON", COORDINATE_PRECISION=5, RFC7946="YES")
    tmp.replace(target)
    print(f"wrote {target.relative_to(ROOT)}: {len(gdf)} features, {target.stat().st_size} bytes")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "w").mkdir()
        (work / "u").mkdir()
        countries = build_countries(npm_file(WORLD_ATLAS, "countries-50m.json", work / "w"))
        states = build_states(npm_file(US_ATLAS, "states-10m.json", work / "u"))
    write(countries, ROOT / "data" / "countries.geojson")
    write(states, ROOT / "data" / "us_states.geojson")


if __name__ == "__main__":
    main()
