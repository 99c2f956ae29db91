"""``minetrack terrain``: elevation, slope and relief at sites from a DEM."""

from __future__ import annotations

from pathlib import Path

import click

from geo.cli._output import emit, output_options
from geo.cli._sites_input import FILE, import_options, read_sites_file
from geo.cli._store_input import store_option


@click.command(epilog="""\b
Examples:
  minetrack terrain --dem srtm.tif --country USA              # the bundled sites the DEM covers
  minetrack terrain --dem N33W111.tif --dem N33W112.tif --radius 2km --output az_terrain.gpkg
  minetrack terrain --dem dem_tiles/ --sites my_mines.gpkg --format csv
  minetrack terrain --dem /vsizip/dem.zip/dem.tif --sites pits.csv

\b
elevation_m: the DEM pixel the site is in. slope_deg: Horn's 3x3 slope with pixel
sizes in metres on the ground (geographic DEMs scaled by latitude). relief_m:
highest minus lowest elevation within --radius. The DEM may be in any CRS (the
points are reprojected, not the raster); nodata is left out.
""")
@click.option("--dem", "dems", multiple=True, required=True, metavar="FILE",
              help="A DEM file, a folder of tiles, or a GDAL path such as /vsizip/x.zip/x.tif (repeatable).")
@click.option("--sites", "sites_file", type=FILE, help="Sites file (anything `minetrack import` reads); "
              "default: the bundled sites.")
@click.option("--radius", default="5km", show_default=True, help="Radius of the relief search (m, km).")
@click.option("--country", metavar="ISO3[,ISO3]", help="Only sites in these countries.")
@import_options()
@output_options()
@store_option
def command(dems, sites_file, radius, country, fmt, output, **import_opts) -> None:
    """Terrain at each site from a DEM: elevation, slope and local relief."""
    from geo.core.units import parse_distance
    from geo.facts.bundle import Facts
    from geo.facts.select import filter_sites
    from geo.spatial.terrain import terrain, terrain_table

    paths: list[str] = []
    for d in dems:
        p = Path(d)
        if p.is_dir():
            tiles = sorted(str(t) for t in p.iterdir() if t.suffix.lower() in (".tif", ".tiff", ".vrt"))
            if not tiles:
                from geo.core.errors import FileError

                raise FileError(f"{d}: no .tif or .vrt tiles in this folder")
            paths += tiles
        else:
            if not d.startswith("/vsi") and not p.exists():
                from geo.core.errors import FileError

                raise FileError(f"{d}: file not found")
            paths.append(d)
    sites = read_sites_file(sites_file, **import_opts).sites if sites_file else Facts.from_dir().sites
    if country:
        sites = filter_sites(sites, country=country)
    result = terrain(sites, paths, radius_m=parse_distance(radius))
    if output is None and fmt in (None, "table"):
        emit(terrain_table(result), fmt, output)
    else:
        emit(result, fmt, output)
