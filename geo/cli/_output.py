"""One way every command writes rows: ``--format`` and ``--output`` for all of them."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path

import click

GEO_FORMATS = ("table", "csv", "geojson", "gpkg", "parquet")
TABLE_FORMATS = ("table", "csv", "json")


def output_options(formats: Sequence[str] = GEO_FORMATS) -> Callable:
    """Add ``--format`` (one of ``formats``), ``--output FILE``, ``--csv-geometry`` and
    ``--raw`` to a command."""
    def decorate(fn: Callable) -> Callable:
        inner = fn

        @functools.wraps(inner)
        def fn(*args, raw: bool = False, csv_geometry: str = "lonlat", **kwargs):
            # Writing options every command shares: kept on the context for emit().
            click.get_current_context().meta["minetrack.output"] = {"raw": raw, "csv_geometry": csv_geometry}
            return inner(*args, **kwargs)

        fn = click.option("--raw", is_flag=True,
                          help="Write CSV cells as they are (default: text starting with = + - @ "
                               "is prefixed with ' so spreadsheets do not run it).")(fn)
        if "geojson" in formats:
            fn = click.option("--csv-geometry", type=click.Choice(["lonlat", "wkt"]), default="lonlat",
                              show_default=True,
                              help="In CSV, points as longitude/latitude columns, or any geometry "
                                   "as WKT.")(fn)
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


def emit(rows, fmt: str | None, output: Path | None, *, columns: Sequence[str] | None = None,
         csv_geometry: str | None = None, raw: bool | None = None) -> None:
    """Print ``rows`` (a table of ``columns`` by default, CSV, JSON, GeoJSON) or write
    them to ``output`` (CSV, GeoJSON, GeoPackage, GeoParquet for layers; CSV or JSON
    for plain tables). GeoPackage and GeoParquet keep dates as dates; text formats
    write them as ISO text. CSV text that looks like a formula is neutralised unless ``raw``."""
    import geopandas as gpd

    from geo.core.errors import ArgumentError
    from geo.io.write import as_csv, format_for, neutralise, write_layer, write_text

    ctx = click.get_current_context(silent=True)
    shared = ctx.meta.get("minetrack.output", {}) if ctx is not None else {}
    csv_geometry = csv_geometry or shared.get("csv_geometry", "lonlat")
    raw = shared.get("raw", False) if raw is None else raw
    typed = output is not None and (fmt in ("gpkg", "parquet") or (
        fmt in (None, "table") and output.suffix.lower() in (".gpkg", ".parquet", ".geoparquet")))
    for col in rows.columns:
        if str(rows[col].dtype).startswith("datetime64") and not typed:
            rows = rows.assign(**{col: rows[col].dt.strftime("%Y-%m-%d").astype("string")})
    is_layer = isinstance(rows, gpd.GeoDataFrame)
    plain = rows if raw else neutralise(rows) if not is_layer else rows
    if output is None:
        if fmt in (None, "table"):
            click.echo(_text_table(rows, columns))
        elif fmt == "csv":
            click.echo(as_csv(rows, csv_geometry, raw) if is_layer
                       else plain.to_csv(index=False, lineterminator="\n"), nl=False)
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
        write_layer(rows, output, fmt, csv_geometry=csv_geometry, raw=raw)
    elif fmt == "csv":
        write_text(plain.to_csv(index=False, lineterminator="\n"), output)
    elif fmt == "json":
        write_text(rows.to_json(orient="records", indent=1), output)
    else:
        raise ArgumentError(f"--format {fmt}: this command gives a plain table (csv or json)")
    click.echo(f"wrote {len(rows)} rows to {output}", err=True)
