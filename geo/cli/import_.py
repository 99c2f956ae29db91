"""``minetrack import``: any sites file, any format and CRS, into minetrack's site schema."""

from __future__ import annotations

from pathlib import Path

import click

from geo.cli._sites_input import FILE, import_options, read_sites_file


@click.command(epilog="""\b
Examples:
  minetrack import AFR_Mineral_Facilities.geojson --preset usgs-facilities --skip-invalid \\
      --rejects rejects.csv --output africa.gpkg
  minetrack import PorCuEX2008.csv --preset usgs-porcu --output porcu.parquet
  minetrack import mines.csv --print-mapping > mines.toml   # then edit, and:
  minetrack import mines.csv --mapping mines.toml --output mines.gpkg
  minetrack import pits.gpkg --layer pits --bbox -115,31,-109,37 --output arizona.geojson

\b
Reads CSV (delimiter sniffed), XLSX, GeoJSON, GeoPackage, Shapefile (also zipped),
FlatGeobuf and GeoParquet in any CRS. Without --preset or --mapping the columns are
guessed (a file in minetrack's own columns needs neither). A missing country comes
from the country join (country_rule says how); a MultiPoint becomes one site with
its points kept in `parts`. Presets: usgs-facilities, usgs-porcu, usgs-lithium,
mrds, gem, fineprint (their files are in data/presets/).
""")
@click.argument("path", type=FILE)
@import_options()
@click.option("--print-mapping", is_flag=True,
              help="Print a starter mapping (TOML) guessed from the file's columns, and stop.")
@click.option("--output", type=FILE, help="Write the sites here: .gpkg, .geojson, .parquet or .csv.")
@click.option("--csv-geometry", type=click.Choice(["lonlat", "wkt"]), default="lonlat", show_default=True,
              help="In a CSV output, also write the geometry as WKT (the parts of a MultiPoint site).")
@click.option("--raw", is_flag=True, help="Write CSV cells as they are (no formula neutralising).")
def command(path: Path, preset, mapping_file, source_layer, encoding, skip_invalid, rejects_file,
            keep_offshore, bbox, within_file, print_mapping, output, csv_geometry, raw) -> None:
    """Import a sites file from another publisher or tool into minetrack's site schema,
    checked row by row like the bundled data."""
    from geo.core.errors import ArgumentError

    if print_mapping:
        from geo.facts.importing import print_mapping as starter

        click.echo(starter(path, layer=source_layer, encoding=encoding), nl=False)
        return
    if output is None:
        raise ArgumentError("give --output FILE (.gpkg, .geojson, .parquet or .csv), or --print-mapping")
    from geo.io.write import format_for, write_layer

    fmt = format_for(output)
    result = read_sites_file(path, preset=preset, mapping_file=mapping_file, source_layer=source_layer,
                             encoding=encoding, skip_invalid=skip_invalid, rejects_file=rejects_file,
                             keep_offshore=keep_offshore, bbox=bbox, within_file=within_file)
    write_layer(result.sites, output, fmt, csv_geometry=csv_geometry, raw=raw)
    click.echo(f"wrote {len(result.sites)} sites to {output}", err=True)
