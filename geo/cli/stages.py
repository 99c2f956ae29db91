"""``minetrack stages``: permitting history."""

from __future__ import annotations

import click

from geo.cli._output import TABLE_FORMATS, emit, output_options


@click.command(epilog="""\b
Examples:
  minetrack stages resolution             # the dated history of one site
  minetrack stages --on 2020-01-01        # every tracked site's stage on a date
  minetrack stages --fast41               # the FAST-41 list
""")
@click.argument("site_id", required=False)
@click.option("--on", "on_date", metavar="YYYY-MM-DD", help="Stages as of this date (default today).")
@click.option("--fast41", is_flag=True, help="List FAST-41 covered and transparency projects.")
@output_options(TABLE_FORMATS)
def command(site_id, on_date, fast41, fmt, output) -> None:
    """Permitting history: a site's dated events, every site's stage on a date, or FAST-41."""
    from geo.facts.permits import stages

    table = stages(site_id, on=on_date, fast41=fast41)
    if fmt in (None, "table") and output is None:  # source ids make the text table too wide
        table = table.drop(columns=[c for c in ("sources",) if c in table])
    emit(table, fmt, output)
