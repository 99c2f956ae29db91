"""``minetrack supply``: import shares and US net import reliance."""

from __future__ import annotations

import click

from geo.cli._output import TABLE_FORMATS, emit, output_options


@click.command(epilog="""\b
Examples:
  minetrack supply                          # every import-share table (US and China)
  minetrack supply --importer CHN --format csv
  minetrack supply --nir                    # US net import reliance (USGS MCS 2025)
""")
@click.option("--importer", metavar="ISO3", help="Only this importer's shares (USA, CHN).")
@click.option("--nir", is_flag=True, help="US net import reliance per commodity instead.")
@output_options(TABLE_FORMATS)
def command(importer, nir, fmt, output) -> None:
    """Supply dependence: import shares by source country, or US net import reliance.

    Every row names its source (ids in sources.csv); "OTH" is other countries.
    """
    from geo.facts.supply import supply

    emit(supply(importer, nir=nir), fmt, output)
