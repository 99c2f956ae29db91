"""``minetrack zonal``: raster statistics within a radius of each site, or per polygon."""

from __future__ import annotations

import click

from geo.cli._output import emit, output_options
from geo.cli._sites_input import FILE, import_options, read_sites_file


@click.command(epilog="""\b
Examples:
  minetrack zonal srtm.tif --sites my_mines.csv --radius 5km          # mean/min/max/count per site
  minetrack zonal prox_rail.tif --radius 10km --country USA --format csv
  minetrack zonal srtm.tif --zones zion.gpkg --output zion_stats.csv

\b
Pixels count when their centres fall in the zone; nodata is left out; on a
geographic raster the mean is weighted by pixel area. Circles are geodesic.
""")
@click.argument("raster", metavar="RASTER")
@click.option("--sites", "sites_file", type=FILE, help="Sites file (default: the bundled sites).")
@click.option("--radius", metavar="DIST", help="Circle about each site (m, km).")
@click.option("--zones", "zones_file", type=FILE, help="A polygon layer: one row of statistics per polygon.")
@click.option("--country", metavar="ISO3[,ISO3]", help="Only sites in these countries.")
@import_options()
@output_options()
def command(raster, sites_file, radius, zones_file, country, fmt, output, **import_opts) -> None:
    """Mean, minimum, maximum and pixel count of a raster per zone."""
    from pathlib import Path

    import geopandas as gpd

    from geo.core.errors import ArgumentError, FileError
    from geo.core.units import parse_distance
    from geo.spatial.zonal import zonal_stats

    if not raster.startswith("/vsi") and not Path(raster).exists():
        raise FileError(f"{raster}: file not found")
    if (radius is None) == (zones_file is None):
        raise ArgumentError("give --radius (circles about sites) or --zones POLYGONS, one of them")
    if zones_file:
        from geo.io.vector import read_vector

        zones = read_vector(zones_file)
        stats = zonal_stats(raster, zones.geometry)
        table = gpd.GeoDataFrame(pd_concat(zones, stats), geometry=zones.geometry.name, crs=zones.crs)
    else:
        from geo.facts.bundle import Facts
        from geo.facts.select import filter_sites
        from geo.spatial.federal import geodesic_circles

        sites = read_sites_file(sites_file, **import_opts).sites if sites_file else Facts.from_dir().sites
        if country:
            sites = filter_sites(sites, country=country)
        wgs = sites.to_crs("EPSG:4326").geometry
        circles = gpd.GeoSeries(geodesic_circles(wgs.x.to_numpy(), wgs.y.to_numpy(), parse_distance(radius)),
                                index=sites.index, crs="EPSG:4326")
        table = gpd.GeoDataFrame(pd_concat(sites, zonal_stats(raster, circles)), geometry=sites.geometry.name,
                                 crs=sites.crs)
    keys = [c for c in ("id", "name") if c in table.columns] or [
        c for c in table.columns if c not in ("mean", "min", "max", "count", table.geometry.name)][:2]
    cols = [*keys, "mean", "min", "max", "count"]
    emit(table, fmt, output, columns=cols)


def pd_concat(frame, stats):
    import pandas as pd

    return pd.concat([frame.drop(columns=[c for c in stats.columns if c in frame.columns]), stats], axis=1)
