"""``minetrack sites``: list sites, filtered."""

from __future__ import annotations

import click

from geo.cli._output import emit, output_options


@click.command(epilog="""\b
Examples:
  minetrack sites                                  # table of every site
  minetrack sites --type smelter,refinery --country CHN
  minetrack sites --stage permitting --commodity copper --format csv
  minetrack sites --country USA --format gpkg --output us.gpkg
""")
@click.option("--type", "type_", metavar="TYPE[,TYPE]",
              help="mine, smelter, refinery, smelter+refinery, project, recycling.")
@click.option("--country", metavar="ISO3[,ISO3]", help="ISO 3166-1 alpha-3 codes, e.g. USA,CHL.")
@click.option("--stage", metavar="STAGE[,STAGE]",
              help="exploration, advanced-exploration, feasibility, permitting, construction, "
                   "production, care-and-maintenance, closed.")
@click.option("--commodity", metavar="NAME[,NAME]", help="Any listed commodity, e.g. copper.")
@output_options()
def command(type_, country, stage, commodity, fmt, output) -> None:
    """List sites, filtered, as a table or as a CSV/GeoJSON/GeoPackage/GeoParquet file.

    Filters combine with AND; a comma inside one filter means OR. Rows carry the
    site's facts, its owners ("BHP 57.5%; Rio Tinto 30%") and its source ids.
    """
    from geo.facts.bundle import list_sites

    rows = list_sites(type=type_, country=country, stage=stage, commodity=commodity)
    emit(rows, fmt, output,
         columns=("id", "name", "type", "stage", "country", "admin1", "commodities", "owners"))
