"""``minetrack query``: sites matching conditions on stage, land, distance, attributes."""

from __future__ import annotations

from pathlib import Path

import click

from geo.cli._engine import dask_client, engine_options
from geo.cli._output import emit, output_options
from geo.cli._sites_input import import_options, read_sites_file
from geo.cli._store_input import store_option

FILE = click.Path(dir_okay=False, path_type=Path)


def _class_file(value: str) -> tuple[Path, str | None]:
    """``FILE`` or ``FILE:CLASS`` (a path that exists wins over a colon inside it)."""
    path, _, klass = value.partition(":") if not Path(value).exists() else (value, "", "")
    return Path(path), klass or None


def _describe(ctx: click.Context) -> str:
    """The query as its command line (the flags as typed), for the map's subtitle."""
    flags = {p.name: p.opts[0] for p in ctx.command.params if isinstance(p, click.Option)}
    parts = []
    for key, value in ctx.params.items():
        if value in (None, False, ()) or key in ("fmt", "output", "map_file", "csv_geometry", "raw",
                                                "engine", "scheduler", "partitions", "batch_rows"):
            continue
        flag = flags.get(key, "--" + key.replace("_", "-"))
        shown = " ".join(map(str, value)) if isinstance(value, tuple) else str(value)
        parts.append(flag if value is True else f"{flag} {shown}")
    return "minetrack query " + " ".join(parts)


@click.command(epilog="""\b
Examples:
  minetrack query --stage permitting --country USA
  minetrack query --stage permitting --on-federal-land USFS --federal-land PADUS4_0_State_AZ_GDB.zip
  minetrack query --farther-than rail:50km --rail ne_10m_railroads_north_america.zip --commodity copper
  minetrack query --near smelter:200km --type mine --country USA,MEX --format gpkg --output near.gpkg
  minetrack query --fast-tracked --map fast41.html
  minetrack query --entered construction 2024-01-01 2026-12-31
  minetrack query --stage permitting --on 2015-06-30          # as the history stood then

\b
Infrastructure classes: rail, road, port, airport, place, power, substation,
smelter, refinery (the last two are minetrack's own plants, always available).
Agencies: BLM, USFS, NPS, FWS, DOD, BOR, DOE, USACE, TVA, NASA, NOAA, NRCS, ARS, BIA, OTHF.
""")
@click.option("--sites", "sites_file", type=click.Path(path_type=Path),
              help="Query this sites file (anything `minetrack import` reads) instead of the bundled "
                   "sites, or a GeoParquet in minetrack's columns: a folder of parts (needs a folder "
                   "--output) is read part by part.")
@click.option("--stage-vocabulary", metavar="VOCAB",
              help="The --sites file's stage column uses another tracker's values: gem-status, "
                   "gem-status-detail, spglobal-stage, mrds-dev-stat, permitting-dashboard-status.")
@click.option("--stage", help="At this stage (now, or on --on DATE from the stage history).")
@click.option("--on", "on_date", metavar="YYYY-MM-DD", help="Date for --stage (default today).")
@click.option("--entered", nargs=3, metavar="STAGE FROM TO", help="Entered STAGE between two dates.")
@click.option("--fast-tracked", is_flag=True, help="FAST-41 covered or transparency projects only.")
@click.option("--on-federal-land", "on_fed", is_flag=False, flag_value="any", default=None,
              metavar="[AGENCY]", help="On federal land (of AGENCY if given); needs --federal-land.")
@click.option("--off-federal-land", is_flag=True, help="Not on any federal land given.")
@click.option("--federal-land", "fed_files", multiple=True, type=FILE,
              help="PAD-US / BLM SMA / USFS / NPS / wilderness file (repeatable; zip is fine).")
@click.option("--farther-than", multiple=True, metavar="CLASS:DIST",
              help="Nearest feature of CLASS farther than DIST, e.g. rail:50km (repeatable).")
@click.option("--near", multiple=True, metavar="CLASS:DIST",
              help="Nearest feature of CLASS within DIST, e.g. smelter:200km (repeatable).")
@click.option("--rail", "rail_files", multiple=True, type=FILE, help="A file of rail lines (repeatable).")
@click.option("--roads", "road_files", multiple=True, type=FILE, help="A file of roads (repeatable).")
@click.option("--ports", "port_files", multiple=True, type=FILE, help="A file of ports (repeatable).")
@click.option("--power", "power_files", multiple=True, type=FILE, help="A file of power lines (repeatable).")
@click.option("--infrastructure", "infra_files", multiple=True, metavar="FILE[:CLASS]",
              help="Any infrastructure file; class from the file (Natural Earth, .osm.pbf) or after a colon.")
@click.option("--layer", "layer_names_", multiple=True, metavar="NAME",
              help="An infrastructure or federal-land layer spec (layers/*.toml) read from the download "
                   "cache, e.g. rail_north_america, federal_land_az (repeatable).")
@click.option("--commodity", metavar="NAME[,NAME]", help="Any listed commodity, e.g. copper.")
@click.option("--country", metavar="ISO3[,ISO3]", help="ISO 3166-1 alpha-3 codes, e.g. USA,MEX.")
@click.option("--type", "type_", metavar="TYPE[,TYPE]", help="mine, smelter, refinery, project...")
@import_options(layer_flag="--sites-layer")
@output_options()
@engine_options()
@click.option("--batch-rows", type=click.IntRange(min=1), default=65_536, show_default=True,
              help="With a GeoParquet --sites and a folder --output: sites per batch (bounds memory).")
@click.option("--map", "map_file", type=FILE, help="Also render the result as a standalone HTML map.")
@store_option
def command(sites_file, stage_vocabulary, stage, on_date, entered, fast_tracked, on_fed, off_federal_land,
            fed_files, farther_than, near, rail_files, road_files, port_files, power_files, infra_files,
            layer_names_, commodity, country, type_, fmt, output, engine, scheduler, partitions, map_file,
            bbox, within_file, batch_rows,
            **import_opts) -> None:
    """Sites matching every condition: stage (and its history), FAST-41, federal
    land, distance to infrastructure, commodity, country, type.

    Each condition adds the columns it used (stage_since, federal_agency,
    dist_rail_m, nearest_rail...). Distances are geodesic metres on WGS 84,
    whatever CRS the files are in.
    """
    from geo.facts.bundle import Facts
    from geo.query.conditions import Query, QueryLayers
    from geo.query.run import gather_layers, query_sites

    query = Query(stage=stage, on=on_date, entered=tuple(entered) if entered else None,
                  fast_tracked=fast_tracked, on_federal_land=on_fed, off_federal_land=off_federal_land,
                  farther_than=list(farther_than), near=list(near), commodity=commodity, country=country,
                  type=type_)
    facts = Facts.from_dir()
    if sites_file and _partitioned_run(sites_file, output):
        return _run_partitioned(sites_file, output, query, facts, engine, scheduler, rail_files, road_files,
                                port_files, power_files, infra_files, fed_files, layer_names_, batch_rows)
    if sites_file:
        sites = read_sites_file(sites_file, stage_vocabulary=stage_vocabulary, bbox=bbox,
                                within_file=within_file, **import_opts).sites
    else:
        sites = _clip(facts.sites, bbox, within_file)
    by_class = ((rail_files, "rail"), (road_files, "road"), (port_files, "port"), (power_files, "power"))
    files = [(f, klass) for fs, klass in by_class for f in fs] + [_class_file(v) for v in infra_files]
    federal, infrastructure, repaired = gather_layers(
        facts.sites, infrastructure_files=files, federal_files=list(fed_files),
        layer_names=list(layer_names_))
    store_url = click.get_current_context().meta.get("minetrack.store")
    if federal is None and store_url:
        from geo.facts.store import open_store

        federal = open_store(store_url, readonly=True).federal_land()
    for source, rows in repaired.items():
        more = " ..." if len(rows) > 10 else ""
        click.echo(f"note: {source}: repaired {len(rows)} invalid polygon(s), rows "
                   f"{', '.join(map(str, rows[:10]))}{more}", err=True)
    client = dask_client(engine, scheduler)
    try:
        result = query_sites(sites, query, QueryLayers(
            federal_land=federal, infrastructure=infrastructure, events=facts.events, fast41=facts.fast41,
            land_status=facts.land_status), engine=engine, client=client, partitions=partitions)
    finally:
        if client is not None:
            client.close()
    if output is None and fmt in (None, "table"):
        cols = [c for c in ("id", "name", "type", "country", "stage_on", "stage_since", "fast41_status",
                            "federal_agency", "federal_unit", "land_status_check") if c in result.columns]
        cols += [c for c in result.columns if c.startswith(("dist_", "nearest_", "entered_on"))
                 or c.endswith("_outside_coverage")]
        table = result[cols].copy()
        for c in [c for c in cols if c.startswith("dist_")]:
            table[c] = (table[c] / 1000).round(1)
            table = table.rename(columns={c: c.removesuffix("_m") + "_km"})
        emit(table, fmt, output)
    else:
        emit(result, fmt, output)
    if map_file:
        from geo.io.write import write_text
        from geo.maps.page import map_html
        from geo.maps.query_map import result_map

        classes = tuple(dict.fromkeys([*query.farther_than, *query.near]))
        import geopandas as gpd

        drawn = federal if isinstance(federal, gpd.GeoDataFrame) else None
        write_text(map_html(result_map(result, _describe(click.get_current_context()),
                                       federal_land=drawn, infrastructure=infrastructure,
                                       classes=classes)), map_file)
        click.echo(f"wrote map of {len(result)} sites to {map_file}", err=True)


def _clip(sites, bbox, within_file):
    """The bundled sites inside ``--bbox`` / ``--within``; with neither, ``sites`` as given."""
    if bbox is None and not within_file:
        return sites
    from geo.facts.select import clip_sites

    within = None
    if within_file:
        from geo.io.vector import read_vector

        within = read_vector(within_file)
    return clip_sites(sites, bbox=bbox, within=within)


def _partitioned_run(sites_file: Path, output: Path | None) -> bool:
    """A GeoParquet --sites read part by part: a folder of parts, or a file with a folder
    --output (no suffix). Such a run writes a partitioned GeoParquet folder."""
    from geo.query._partitioned import is_geoparquet

    if not is_geoparquet(sites_file):
        return False
    if sites_file.is_dir() and output is None:
        raise click.UsageError("a partitioned --sites folder needs --output FOLDER (the result is written "
                               "as partitioned GeoParquet)")
    return sites_file.is_dir() or (output is not None and output.suffix == "")


def _run_partitioned(sites_file, output, query, facts, engine, scheduler, rail_files, road_files, port_files,
                     power_files, infra_files, fed_files, layer_names_, batch_rows) -> None:
    """Sites already in minetrack's columns as GeoParquet, streamed (local) or one part per
    dask task, the result written part by part to the --output folder. A large
    infrastructure layer goes to a partitioned GeoParquet beside the output and each
    part reads only its halo of it."""
    import shutil

    from geo.query._partitioned import (
        HALO_MIN_FEATURES,
        run_dask_parts,
        stream_parts,
        write_layer_partitioned,
    )
    from geo.query.conditions import QueryLayers
    from geo.query.run import gather_layers
    from geo.query.steps import STEPS

    if output.suffix:
        raise click.UsageError(f"--output {output}: a partitioned run writes a folder; give a name without "
                               "a suffix")
    by_class = ((rail_files, "rail"), (road_files, "road"), (port_files, "port"), (power_files, "power"))
    files = [(f, klass) for fs, klass in by_class for f in fs] + [_class_file(v) for v in infra_files]
    federal, infrastructure, _ = gather_layers(facts.sites, infrastructure_files=files,
                                               federal_files=list(fed_files), layer_names=list(layer_names_))
    layer_path = None
    if (query.farther_than or query.near) and len(infrastructure) >= HALO_MIN_FEATURES:
        layer_path = output.with_name(f".{output.name}.infrastructure")
        write_layer_partitioned(infrastructure, layer_path)
        infrastructure = None
    layers = QueryLayers(federal_land=federal, infrastructure=infrastructure, events=facts.events,
                         fast41=facts.fast41, land_status=facts.land_status)
    try:
        if engine == "dask":
            client = dask_client(engine, scheduler)
            try:
                rows = run_dask_parts(sites_file, query, layers, STEPS, client=client, out_dir=output,
                                      layer_path=str(layer_path) if layer_path else None)
            finally:
                client.close()
        else:
            rows = stream_parts(sites_file, query, layers, STEPS, output, batch_rows=batch_rows,
                                layer_path=str(layer_path) if layer_path else None)
    finally:
        if layer_path is not None:
            shutil.rmtree(layer_path, ignore_errors=True)
    click.echo(f"wrote {rows} sites to {output}/ (partitioned GeoParquet)", err=True)
