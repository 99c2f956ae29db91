"""``minetrack store``: a tracker with memory (GeoPackage), one sub-command per
:class:`~geo.facts.store.Store` method."""

from __future__ import annotations

from pathlib import Path

import click

from geo.cli._errors import MinetrackGroup
from geo.cli._output import TABLE_FORMATS, emit, output_options

STORE = click.argument("store", metavar="STORE")


def _open(store: str, readonly: bool = False):
    from geo.facts.store import open_store

    return open_store(store, readonly=readonly)


def _distance_m(ctx, param, value: str) -> float:
    from geo.core.units import parse_distance

    try:
        return parse_distance(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.group(cls=MinetrackGroup, epilog="""\b
Examples:
  minetrack store init tracker.gpkg --from-bundled
  minetrack store edit tracker.gpkg resolution --set stage=construction \\
      --source "Rio Tinto, Annual report 2026, 2027, https://www.riotinto.com/..."
  minetrack store edit tracker.gpkg kamoa-kakula \
      --set "production:2025:copper:concentrate=388 kt" \
      --source "Ivanhoe Mines, 2025 annual results, 2026, https://www.ivanhoemines.com/..."
  minetrack store apply tracker.gpkg changes.csv      # site,field,value,source,note
  minetrack store log tracker.gpkg resolution
  minetrack store release tracker.gpkg 2026-q4 --note "after the Q4 reports"
  minetrack store diff tracker.gpkg 2026-q3 2026-q4 --moved-over 500m
  minetrack store export tracker.gpkg --release 2026-q4 --output sites-2026q4.gpkg
  minetrack store remove tracker.gpkg old-dup --source "USGS, MRDS record retired, 2025"
  minetrack store land tracker.gpkg PADUS4_0_State_AZ_GDB.zip   # then: query --store ...
  minetrack store init postgresql://ann@db.example/tracker --from-bundled   # PostGIS
""")
def command() -> None:
    """A tracker store: record changes with their sources, cut releases, diff them.

    STORE is a GeoPackage file (QGIS opens its sites layer, the change log and one
    layer per release) or a postgresql:// URL of the same store on PostGIS."""


@command.command("init")
@STORE
@click.option("--from-bundled", is_flag=True, help="Start from minetrack's bundled data.")
def init(store: str, from_bundled: bool) -> None:
    """Create a store (empty, or holding the bundled data)."""
    from geo.facts.store import Store

    s = Store.init(store, from_bundled=from_bundled)
    click.echo(f"created {s.name} with {len(s.sites())} sites", err=True)


@command.command("import")
@STORE
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--preset", metavar="NAME", help="A bundled import preset (see minetrack import).")
@click.option("--mapping", "mapping_file", type=click.Path(dir_okay=False, path_type=Path),
              help="A mapping file (TOML).")
@click.option("--author", help="Who records it (default: your user name).")
def import_(store: str, file: Path, preset, mapping_file, author) -> None:
    """Add the sites of any file `minetrack import` reads, in one transaction."""
    s = _open(store)
    n = s.import_file(file, preset=preset, mapping=mapping_file, author=author)
    click.echo(f"added {n} sites to {s.name}", err=True)
    if s.unmatched_owners:
        more = f" and {len(s.unmatched_owners) - 8} more" if len(s.unmatched_owners) > 8 else ""
        click.echo(f"note: stakes left out (owner not in the store's owners table, or no citation): "
                   f"{'; '.join(s.unmatched_owners[:8])}{more}", err=True)


@command.command("edit")
@STORE
@click.argument("site_id")
@click.option("--set", "sets", multiple=True, required=True, metavar="FIELD=VALUE",
              help="A site column, stake:OWNER_ID=PERCENT (empty or 0 sells it), or "
                   "production:YEAR:COMMODITY:BASIS='QUANTITY UNIT' (100 % of the site; basis "
                   "capacity for a capacity; empty removes it); repeat.")
@click.option("--source", required=True, help='"publisher, title, year, url" of the change.')
@click.option("--note", default="", help="Why, in a few words.")
@click.option("--author", help="Who records it (default: your user name).")
@click.option("--on", "on_date", metavar="YYYY-MM-DD",
              help="Date of a stage change or stake (default today).")
def edit(store: str, site_id: str, sets, source, note, author, on_date) -> None:
    """Change fields of one site; checked like the bundled data, one transaction."""
    values = {}
    for item in sets:
        field, eq, value = item.partition("=")
        if not eq or not field.strip():
            raise click.BadParameter(f"{item!r}: give FIELD=VALUE", param_hint="--set")
        values[field.strip()] = value.strip()
    n = _open(store).edit(site_id, values, source=source, note=note, author=author, on=on_date)
    click.echo(f"{site_id}: {n} change{'s' if n != 1 else ''} recorded", err=True)


@command.command("remove")
@STORE
@click.argument("site_id")
@click.option("--source", required=True, help='"publisher, title, year, url" saying why.')
@click.option("--note", default="", help="Why, in a few words.")
@click.option("--author", help="Who records it (default: your user name).")
def remove(store: str, site_id: str, source, note, author) -> None:
    """Take a site out (with its stakes and stage events); the log and earlier releases
    keep it."""
    _open(store).remove(site_id, source=source, note=note, author=author)
    click.echo(f"{site_id}: removed", err=True)


@command.command("apply")
@STORE
@click.argument("changes", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--author", help="Who records it (default: your user name).")
@click.option("--on", "on_date", metavar="YYYY-MM-DD", help="Date of stage changes and stakes.")
def apply(store: str, changes: Path, author, on_date) -> None:
    """Apply a batch (CSV: site, field, value, source, note): all of it or nothing."""
    n = _open(store).apply(changes, author=author, on=on_date)
    click.echo(f"{n} changes recorded", err=True)


@command.command("log")
@STORE
@click.argument("site_id", required=False)
@output_options(TABLE_FORMATS)
def log(store: str, site_id, fmt, output) -> None:
    """The change log: when, who, which field, old and new value, source."""
    table = _open(store, readonly=True).log(site_id)
    emit(table, fmt, output, columns=["at", "author", "site_id", "field", "old_value", "new_value",
                                      "citation"])


@command.command("release")
@STORE
@click.argument("tag")
@click.option("--note", default="", help="What this release is.")
def release(store: str, tag: str, note: str) -> None:
    """Freeze the current state as release TAG (never rewritten)."""
    _open(store).release(tag, note=note)
    click.echo(f"released {tag}", err=True)


@command.command("diff")
@STORE
@click.argument("tag_a")
@click.argument("tag_b")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "geojson", "html"]), default="table",
              show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file.")
@click.option("--moved-over", default="500m", show_default=True, callback=_distance_m,
              help="Report points moved by more than this (m, km).")
def diff(store: str, tag_a, tag_b, fmt, output, moved_over) -> None:
    """Sites added and removed, stage, owner, capacity and other changes, points moved."""
    from geo.facts.store.diff import diff_html

    changes = _open(store, readonly=True).diff(tag_a, tag_b, moved_over_m=moved_over)
    if fmt == "html":
        from geo.io.write import write_text

        page = diff_html(changes, f"{Path(store).name}: {tag_a} → {tag_b}")
        if output is None:
            click.echo(page, nl=False)
        else:
            write_text(page, output)
        return
    emit(changes if fmt == "geojson" else changes.drop(columns="geometry"), fmt, output)


@command.command("export")
@STORE
@click.option("--release", "tag", help="A release (default: the current state).")
@click.option("--output", required=True, type=click.Path(path_type=Path),
              help="A GIS file (.gpkg, .geojson, .parquet, .csv), or a folder for the data tables.")
def export(store: str, tag, output: Path) -> None:
    """Write the sites (or, to a folder, every table as CSV) of the store or a release."""
    written = _open(store, readonly=True).export(output, release=tag)
    click.echo(f"wrote {', '.join(map(str, written))}", err=True)



@command.command("land")
@STORE
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--layer", help="The layer of a multi-layer FILE (default: PAD-US's Combined, Fee, "
                              "then Designation).")
def land(store: str, file: Path, layer: str | None) -> None:
    """Put a federal-land file (PAD-US, BLM SMA...) in the store, replacing any.

    Queries that read the store (`minetrack query --store STORE --on-federal-land`) then
    need no --federal-land file; on PostGIS they run as SQL where the land is.
    """
    n = _open(store).load_land(file, layer=layer)
    click.echo(f"stored {n} federal-land polygons from {file.name}", err=True)
