"""``minetrack sites``: list sites, filtered."""

from __future__ import annotations

import click

from geo.cli._output import emit, output_options
from geo.cli._sites_input import bbox_option


@click.command(epilog="""\b
Examples:
  minetrack sites                                  # table of every site
  minetrack sites --type smelter,refinery --country CHN
  minetrack sites --stage permitting --commodity copper --format csv
  minetrack sites --country USA --format gpkg --output us.gpkg
  minetrack sites --bbox -115,31,-109,37            # the Arizona copper district
  minetrack sites --within my_study_area.gpkg --format csv
""")
@click.option("--type", "type_", metavar="TYPE[,TYPE]",
              help="mine, smelter, refinery, smelter+refinery, project, recycling.")
@click.option("--country", metavar="ISO3[,ISO3]", help="ISO 3166-1 alpha-3 codes, e.g. USA,CHL.")
@click.option("--stage", metavar="STAGE[,STAGE]",
              help="exploration, advanced-exploration, feasibility, permitting, construction, "
                   "production, care-and-maintenance, closed.")
@click.option("--commodity", metavar="NAME[,NAME]", help="Any listed commodity, e.g. copper.")
@bbox_option
@click.option("--within", "within_file", type=click.Path(dir_okay=False),
              help="Only sites inside this polygon layer (any format and CRS).")
@output_options()
def command(type_, country, stage, commodity, bbox, within_file, fmt, output) -> None:
    """List sites, filtered, as a table or as a CSV/GeoJSON/GeoPackage/GeoParquet file.

    Filters combine with AND; a comma inside one filter means OR. Rows carry the
    site's facts, its owners ("BHP 57.5%; Rio Tinto 30%") and its source ids.
    """
    from geo.facts.bundle import list_sites

    rows = list_sites(type=type_, country=country, stage=stage, commodity=commodity)
    if bbox or within_file:
        from geo.facts.select import clip_sites
        from geo.io.vector import read_vector

        rows = clip_sites(rows, bbox=bbox, within=read_vector(within_file) if within_file else None)
    emit(rows, fmt, output,
         columns=("id", "name", "type", "stage", "country", "admin1", "commodities", "owners"))
