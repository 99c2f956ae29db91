"""One way every command writes rows: ``--format`` and ``--output`` for all of them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import click

GEO_FORMATS = ("table", "csv", "geojson", "gpkg", "parquet")
TABLE_FORMATS = ("table", "csv", "json")


def output_options(formats: Sequence[str] = GEO_FORMATS) -> Callable:
    """Add ``--format`` (one of ``formats``) and ``--output FILE`` to a command."""
    def decorate(fn: Callable) -> Callable:
        fn = click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
                          help="Write to this file (atomically) instead of stdout; format from its "
                               "suffix unless --format.")(fn)
        return click.option("--format", "fmt", type=click.Choice(list(formats)), default=None,
                            help="Output format; default: a table on stdout, or the --output "
                                 "file's suffix.")(fn)
    return decorate


def _text_table(frame, columns: Sequence[str] | None) -> str:
    import pandas as pd

    if not len(frame):
        return "(no rows)"
    shown = frame[[c for c in columns if c in frame.columns]] if columns else frame
    shown = pd.DataFrame(shown.drop(columns=[c for c in ("geometry",) if c in shown.columns]))
    with pd.option_context("display.max_colwidth", 70, "display.width", 200):
        return shown.to_string(index=False)


def emit(rows, fmt: str | None, output: Path | None, *, columns: Sequence[str] | None = None) -> None:
    """Print ``rows`` (a table of ``columns`` by default, CSV, JSON, GeoJSON) or write
    them to ``output`` (CSV, GeoJSON, GeoPackage, GeoParquet for layers; CSV or JSON
    for plain tables). Dates are written as ISO text."""
    import geopandas as gpd

    from geo.core.errors import ArgumentError
    from geo.io.write import as_csv, format_for, write_layer, write_text

    for col in rows.columns:
        if str(rows[col].dtype).startswith("datetime64"):
            rows = rows.assign(**{col: rows[col].dt.strftime("%Y-%m-%d").astype("string")})
    is_layer = isinstance(rows, gpd.GeoDataFrame)
    if output is None:
        if fmt in (None, "table"):
            click.echo(_text_table(rows, columns))
        elif fmt == "csv":
            click.echo(as_csv(rows) if is_layer else rows.to_csv(index=False, lineterminator="\n"), nl=False)
        elif fmt == "json":
            click.echo(rows.to_json(orient="records", indent=1))
        elif fmt == "geojson":
            click.echo(rows.to_crs("EPSG:4326").to_json(drop_id=True))
        else:
            raise ArgumentError(f"--format {fmt} needs --output FILE")
        return
    if fmt in (None, "table"):
        fmt = "json" if output.suffix.lower() == ".json" and not is_layer else format_for(output)
    if is_layer:
        write_layer(rows, output, fmt)
    elif fmt == "csv":
        write_text(rows.to_csv(index=False, lineterminator="\n"), output)
    elif fmt == "json":
        write_text(rows.to_json(orient="records", indent=1), output)
    else:
        raise ArgumentError(f"--format {fmt}: this command gives a plain table (csv or json)")
    click.echo(f"wrote {len(rows)} rows to {output}", err=True)
