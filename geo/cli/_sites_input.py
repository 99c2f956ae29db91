"""One way every command reads a user's sites file: the import options, shared.

``import``, ``validate``, ``join``, ``query --sites``, ``spheres --sites`` and ``map``
read any file ``minetrack import`` reads, with the same ``--preset``/``--mapping``,
``--skip-invalid``/``--rejects``, ``--bbox``/``--within`` options, so that one bad row
never costs a user the whole file and what was left out is written down.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import click

FILE = click.Path(dir_okay=False, path_type=Path)


def bbox_option(fn: Callable) -> Callable:
    """``--bbox W,S,E,N`` (degrees, WGS 84)."""
    return click.option("--bbox", metavar="W,S,E,N", callback=_parse_bbox,
                        help="Only sites inside this box (degrees, WGS 84; W > E crosses the "
                             "antimeridian).")(fn)


def _parse_bbox(ctx, param, value):
    if value is None:
        return None
    try:
        w, s, e, n = (float(v) for v in value.split(","))
    except ValueError:
        raise click.BadParameter("give four numbers: west,south,east,north") from None
    if not (-180 <= w <= 180 and -180 <= e <= 180 and -90 <= s < n <= 90):
        raise click.BadParameter("west/east in [-180, 180], south < north in [-90, 90]")
    return (w, s, e, n)


def import_options(layer_flag: str = "--layer") -> Callable:
    """``--preset``, ``--mapping``, ``--layer`` (named ``layer_flag`` where a command has
    its own --layer), ``--encoding``, ``--skip-invalid``, ``--rejects``,
    ``--keep-offshore``, ``--bbox``, ``--within``."""
    return functools.partial(_add_import_options, layer_flag=layer_flag)


def _preset_names() -> list[str]:
    # Read the folder here: importing geo.facts.importing would load geopandas for --help.
    from geo.core.paths import data_dir

    return sorted(p.stem for p in (data_dir() / "presets").glob("*.toml"))


def _add_import_options(fn: Callable, layer_flag: str) -> Callable:

    opts = [
        click.option("--preset", metavar="NAME",
                     help=f"Read the file with a bundled preset: {', '.join(_preset_names())}."),
        click.option("--mapping", "mapping_file", type=FILE,
                     help="A mapping file (TOML) from your columns to minetrack's "
                          "(minetrack import FILE --print-mapping writes a starter)."),
        click.option(layer_flag, "source_layer", metavar="L",
                     help="Layer of a GeoPackage, member of a zip, or sheet of a spreadsheet."),
        click.option("--encoding", metavar="E", help="Text encoding of a CSV or DBF (default UTF-8)."),
        click.option("--skip-invalid", is_flag=True,
                     help="Keep the good rows; write each bad one to --rejects (default: fail on any)."),
        click.option("--rejects", "rejects_file", type=FILE,
                     help="CSV of the rows left out: row, field, reason and the row's own values."),
        click.option("--keep-offshore", is_flag=True,
                     help="Keep points that lie in no country (country_rule none) instead of "
                          "rejecting them."),
        bbox_option,
        click.option("--within", "within_file", type=FILE, help="Only sites inside this polygon layer."),
    ]
    for opt in reversed(opts):
        fn = opt(fn)
    return fn


def read_sites_file(path: Path, *, preset=None, mapping_file=None, source_layer=None, encoding=None,
                    skip_invalid=False, rejects_file=None, keep_offshore=False, bbox=None, within_file=None,
                    stage_vocabulary: str | None = None, quiet: bool = False):
    """Import ``path`` with the options of :func:`import_options`; rejects written and
    counted on stderr. Returns the :class:`~geo.facts.importing.Imported`."""
    from geo.core.errors import ArgumentError
    from geo.facts.importing import import_sites, mapping_for
    from geo.io.write import write_table

    if rejects_file and not skip_invalid:
        raise ArgumentError("--rejects needs --skip-invalid (without it any bad row fails the run)")
    mapping = mapping_for(preset, mapping_file)
    within = None
    if within_file:
        from geo.io.vector import read_vector

        within = read_vector(within_file)
    result = import_sites(path, mapping=mapping, layer=source_layer, encoding=encoding,
                          skip_invalid=skip_invalid, keep_offshore=keep_offshore, bbox=bbox, within=within,
                          stage_vocabulary=stage_vocabulary)
    if skip_invalid and not quiet:
        bad = result.rejects["row"].nunique() if len(result.rejects) else 0
        click.echo(f"{result.file}: {len(result.sites)} sites kept, {bad} rows rejected"
                   + (f" (see {rejects_file})" if rejects_file and bad else ""), err=True)
    if skip_invalid and rejects_file:
        write_table(result.rejects, rejects_file)
    return result

