"""``minetrack validate``: check data files."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from geo.cli._sites_input import import_options


@click.command(epilog="""\b
Examples:
  minetrack validate                     # the bundled data/ folder
  minetrack validate my_sites.csv        # a sites file (sources.csv beside it, else bundled)
  minetrack validate data/               # a whole data folder
  minetrack validate mines.gpkg --preset fineprint
  minetrack validate big.csv --skip-invalid --rejects bad.csv   # list, keep going, exit 0
""")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@import_options()
def command(paths: tuple[Path, ...], **import_opts) -> None:
    """Check data: columns, types, ids, stages, codes, stakes, that each site lies in the
    country (and US state) it states and where its notes put it ("38 km NE of Cloncurry",
    within a quarter of the distance), and that no source is an encyclopedia, a bare home page
    or a privacy page. A sites file may be anything `minetrack import`
    reads (with its --preset or --mapping). Prints one line per problem; exit 1 if any
    (0 with --skip-invalid, which only reports them)."""
    from geo.facts.bundle import check_dataset

    problems = []
    for path in paths or (None,):
        if path is None or path.is_dir():
            problems += check_dataset(path)
            continue
        from geo.cli._sites_input import read_sites_file

        result = read_sites_file(path, **{**import_opts, "skip_invalid": True,
                                          "rejects_file": import_opts["rejects_file"]
                                          if import_opts["skip_invalid"] else None, "quiet": True})
        problems += result.problems
    for p in problems:
        click.echo(f"{'warning' if import_opts['skip_invalid'] else 'error'}: {p}", err=True)
    if import_opts["rejects_file"] and not import_opts["skip_invalid"]:
        from geo.core.errors import ArgumentError

        raise ArgumentError("--rejects needs --skip-invalid")
    if problems and not import_opts["skip_invalid"]:
        sys.exit(1)
    if not problems:
        click.echo("ok: no problems found", err=True)
