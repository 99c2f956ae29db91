"""``minetrack map``: any points, lines or polygons file as a self-contained offline map."""

from __future__ import annotations

from pathlib import Path

import click

from geo.cli._sites_input import FILE
from geo.cli._store_input import store_option


@click.command(epilog="""\b
Examples:
  minetrack map AFR_Mineral_Facilities.geojson --color-by FeatureTyp --output africa.html
  minetrack map africa.gpkg --color-by stage --size-by capacity --popup name,owners,stage \\
      --title "African mines" --output mines.html
  minetrack map ne_10m_railroads_north_america.json --output rail.html
  minetrack map my_sites.csv --output my.html          # a table with lat/lon columns
  minetrack map mines.gpkg --raster srtm.tif --output terrain.html

\b
The page carries its data and Leaflet, draws points on a canvas (fast at 100k+),
and has a legend, popups, search (by the name column) and a filter on --color-by.
""")
@click.argument("path", type=FILE, required=False)
@click.option("--layer", "source_layer", metavar="L", help="Layer of a GeoPackage or member of a zip.")
@click.option("--color-by", metavar="F", help="Column that colours the features (and filters points).")
@click.option("--size-by", metavar="F", help="Numeric column that scales the point circles (area).")
@click.option("--popup", metavar="F,...", help="Columns shown in popups (default: the first eight).")
@click.option("--title", metavar="T", help="Map title (default: the file name).")
@click.option("--raster", "rasters", multiple=True, type=FILE,
              help="A GeoTIFF drawn under the features (colour relief over hillshade; repeatable).")
@click.option("--output", type=FILE, required=True, help="The HTML file to write.")
@store_option
def command(path: Path, source_layer, color_by, size_by, popup, title, rasters, output) -> None:
    """Turn any points, lines or polygons file (anything `minetrack import` reads, in
    any CRS) into one offline HTML map with legend, popups, search and filters."""
    from geo.io.write import write_text
    from geo.maps.data_map import data_map, read_map_data
    from geo.maps.page import map_html

    if path is None:
        from geo.core.paths import bundled_data_dir, data_dir

        if data_dir() == bundled_data_dir():  # no --store: nothing to map
            raise click.UsageError("give a FILE to map, or --store STORE[@TAG]")
        path = data_dir() / "sites.csv"
    gdf = read_map_data(path, layer=source_layer)
    for problem in gdf.attrs.get("left_out", []):
        click.echo(f"warning: left out: {problem}", err=True)
    fields = [f.strip() for f in popup.split(",") if f.strip()] if popup else None
    m = data_map(gdf, title=title or path.stem, color_by=color_by, size_by=size_by, popup=fields,
                 description=f"Data: {path.name}", rasters=[str(r) for r in rasters])
    write_text(map_html(m), output)
    click.echo(f"wrote map of {len(gdf)} features to {output}", err=True)
