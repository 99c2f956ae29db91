"""``minetrack join``: join sites to their country."""

from __future__ import annotations

from pathlib import Path

import click

from geo.cli._output import emit, output_options
from geo.cli._sites_input import import_options, read_sites_file
from geo.cli._store_input import store_option


@click.command(epilog="""\b
Examples:
  minetrack join                                   # bundled sites, table
  minetrack join my_sites.csv --output joined.gpkg
  minetrack join --max-distance 5000 --format csv
  minetrack join facilities.gpkg --preset usgs-facilities --skip-invalid --rejects bad.csv --output j.gpkg
""")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--max-distance", default=25_000.0, show_default=True, type=float,
              help="Metres off the coast a site may lie and still get the nearest country.")
@import_options()
@output_options()
@store_option
def command(path, max_distance, fmt, output, **import_opts) -> None:
    """Join sites to their country polygon (point in polygon, nearest-country fallback
    for coastal points); shows which rule applied and the distance in metres."""
    from geo.facts.countries import load_countries
    from geo.facts.sites import load_sites
    from geo.spatial.join import join_countries

    sites = read_sites_file(path, **import_opts).sites if path else load_sites()
    joined = join_countries(sites.drop(columns=["country_rule"], errors="ignore"), load_countries(),
                            max_distance_m=max_distance)
    emit(joined, fmt, output,
         columns=("id", "name", "country", "joined_country", "country_rule", "country_distance_m"))
