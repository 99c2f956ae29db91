"""``minetrack validate``: check data files."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command(epilog="""\b
Examples:
  minetrack validate                     # the bundled data/ folder
  minetrack validate my_sites.csv        # a sites file (sources.csv beside it, else bundled)
  minetrack validate data/               # a whole data folder
""")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def command(paths: tuple[Path, ...]) -> None:
    """Check data: columns, types, ids, stages, codes, stakes, and that each site lies in the
    country (and US state) it states. Prints one line per problem; exit 1 if any."""
    from geo.facts.bundle import validate

    problems = validate(paths)
    for p in problems:
        click.echo(f"error: {p}", err=True)
    if problems:
        sys.exit(1)
    click.echo("ok: no problems found", err=True)
