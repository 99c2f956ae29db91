"""The ``minetrack`` command: a thin layer over the Python API, one verb per job.

Exit status: 0 on success, 1 when input data have problems (one line each on
stderr, naming file, row and field), 2 for a wrong command line.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .errors import DataError

EPILOG_MAIN = """\b
Examples:
  minetrack build                       # render every map recipe into ./site
  minetrack sites --country USA --type mine
  minetrack sites --commodity lithium --format geojson --output lithium.geojson
  minetrack validate                    # check the bundled data
  minetrack validate my_sites.csv       # check your own sites file
  minetrack join my_sites.csv --output joined.gpkg
"""


def _fail(problems) -> None:
    for p in problems:
        click.echo(f"error: {p}", err=True)
    sys.exit(1)


def _run(fn):
    """Run ``fn`` turning data errors into one line each and exit status 1."""
    try:
        return fn()
    except DataError as exc:
        _fail(exc.problems)
    except (KeyError, ValueError) as exc:
        msg = exc.args[0] if exc.args else str(exc)
        click.echo(f"error: {msg}", err=True)
        sys.exit(1)


@click.group(epilog=EPILOG_MAIN, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="minetrack")
def main() -> None:
    """minetrack: copper and critical-mineral sites, their owners and maps.

    Every command works on the data bundled with minetrack (data/ in the source
    tree) unless you give it files; nothing touches the network.
    """


@main.command(epilog="""\b
Examples:
  minetrack build
  minetrack build --out reports/maps --map us_copper
""")
@click.option("--out", "out_dir", default="site", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Folder for the HTML maps.")
@click.option("--map", "names", multiple=True, metavar="RECIPE",
              help="Render only this recipe (repeatable); default: all in maps/.")
def build(out_dir: Path, names: tuple[str, ...]) -> None:
    """Render map recipes to standalone HTML files, one per recipe."""
    from .render import build_maps

    written = _run(lambda: build_maps(out_dir, list(names) or None))
    for path in written:
        click.echo(str(path))


FORMATS = ["table", "csv", "geojson", "gpkg", "parquet"]


@main.command(epilog="""\b
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
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Output format; default: table on stdout, or the --output file's suffix.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file (atomically) instead of stdout.")
def sites(type_, country, stage, commodity, fmt, output) -> None:
    """List sites, filtered, as a table or as a CSV/GeoJSON/GeoPackage/GeoParquet file.

    Filters combine with AND; a comma inside one filter means OR. Rows carry the
    site's facts, its owners ("BHP 57.5%; Rio Tinto 30%") and its source ids.
    """
    from .load import load_owners, load_ownership, load_sites
    from .ownership import with_owners
    from .select import filter_sites

    def go():
        rows = with_owners(load_sites(), load_ownership(), load_owners())
        rows = filter_sites(rows, type=type_, country=country, stage=stage, commodity=commodity)
        _emit(rows, fmt, output)

    _run(go)


def _emit(rows, fmt, output) -> None:
    """Print ``rows`` as a table/CSV/GeoJSON, or write them to ``output``."""
    from .write import as_csv, format_for, write_layer

    if output is None:
        if fmt in (None, "table"):
            cols = [c for c in ("id", "name", "type", "stage", "country", "admin1",
                                "commodities", "owners") if c in rows.columns]
            click.echo(rows[cols].to_string(index=False) if len(rows) else "(no rows)")
        elif fmt == "csv":
            click.echo(as_csv(rows), nl=False)
        elif fmt == "geojson":
            click.echo(rows.to_crs("EPSG:4326").to_json(drop_id=True))
        else:
            raise ValueError(f"--format {fmt} needs --output FILE")
        return
    fmt = fmt if fmt not in (None, "table") else format_for(output)
    write_layer(rows, output, fmt)
    click.echo(f"wrote {len(rows)} rows to {output}", err=True)


@main.command(epilog="""\b
Examples:
  minetrack validate                     # the bundled data/ folder
  minetrack validate my_sites.csv        # a sites file (sources.csv beside it, else bundled)
  minetrack validate data/               # a whole data folder
""")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def validate(paths: tuple[Path, ...]) -> None:
    """Check data: columns, types, ids, stages, codes, stakes, and that each site lies in the
    country (and US state) it states. Prints one line per problem; exit 1 if any."""
    from .load import check_dataset, read_sites

    problems = []
    if not paths:
        problems = _run(check_dataset)
    for path in paths:
        if path.is_dir():
            problems += _run(lambda p=path: check_dataset(p))
        else:
            problems += _run(lambda p=path: read_sites(p).problems)
    if problems:
        _fail(problems)
    click.echo("ok: no problems found", err=True)


@main.command(epilog="""\b
Examples:
  minetrack join                                   # bundled sites, table
  minetrack join my_sites.csv --output joined.gpkg
  minetrack join --max-distance 5000 --format csv
""")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--max-distance", default=25_000.0, show_default=True, type=float,
              help="Metres off the coast a site may lie and still get the nearest country.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path))
def join(path, max_distance, fmt, output) -> None:
    """Join sites to their country polygon (point in polygon, nearest-country fallback
    for coastal points); shows which rule applied and the distance in metres."""
    from .join import join_countries
    from .load import load_countries, load_sites

    def go():
        joined = join_countries(load_sites(path), load_countries(), max_distance_m=max_distance)
        if output is None and fmt in (None, "table"):
            cols = ["id", "name", "country", "joined_country", "country_rule", "country_distance_m"]
            click.echo(joined[cols].to_string(index=False))
            return
        _emit(joined, fmt, output)

    _run(go)


@main.command(epilog="""\b
Examples:
  minetrack embed site/us-copper.html
  minetrack embed site/us-copper.html --src https://example.org/maps/us-copper.html --aspect 4:3
  minetrack embed site/us-copper.html --height 480 --srcdoc > snippet.html
""")
@click.argument("map_file", metavar="MAP", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--width", default="100%", show_default=True, help="CSS width (pixels or e.g. 100%).")
@click.option("--height", default=None, help="Fixed height (pixels or CSS length); overrides --aspect.")
@click.option("--aspect", default="16:9", show_default=True, help="Width:height ratio when no --height.")
@click.option("--src", default=None, help="URL to write in the snippet (default: MAP as given).")
@click.option("--srcdoc", is_flag=True, help="Embed the whole map in the snippet (no second file).")
def embed(map_file, width, height, aspect, src, srcdoc) -> None:
    """Print an <iframe> snippet that shows a built map inside another page or report."""
    from .embed import iframe_snippet

    click.echo(_run(lambda: iframe_snippet(map_file, src=src, width=width, height=height,
                                           aspect=aspect, srcdoc=srcdoc)))


@main.command(epilog="""\b
Examples:
  minetrack png site/world-copper.html --output world.png
  minetrack png site/us-copper.html --output us.png --width 1600 --height 1000 --scale 2
""")
@click.argument("map_file", metavar="MAP.html", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="PNG file to write (atomically).")
@click.option("--width", default=1200, show_default=True, type=int, help="Viewport width, CSS px.")
@click.option("--height", default=800, show_default=True, type=int, help="Viewport height, CSS px.")
@click.option("--scale", default=1.0, show_default=True, type=float, help="Device pixel ratio (2 = retina).")
@click.option("--view", "hash_", default=None, metavar="HASH",
              help="A view as in the map's URL hash, e.g. 'map=5/35/-110&site=morenci'.")
def png(map_file, output, width, height, scale, hash_) -> None:
    """Render a built map to a PNG picture (legend, scale bar and attribution included)
    with headless Chromium (/usr/bin/chromium, or $MINETRACK_CHROMIUM), offline."""
    from .embed import snapshot

    def go():
        try:
            return snapshot(map_file, output, width=width, height=height, scale=scale, hash=hash_)
        except ImportError as exc:
            raise ValueError("minetrack png needs Playwright: pip install playwright") from exc
        except Exception as exc:
            if type(exc).__module__.startswith("playwright"):
                raise ValueError(f"Chromium failed: {str(exc).splitlines()[0]}") from exc
            raise

    path, alt = _run(go)
    click.echo(str(path))
    click.echo(f"alt text: {alt}", err=True)


@main.command(epilog="""\b
Examples:
  minetrack spheres                                    # host rule, mine output
  minetrack spheres --rule owner --measure processing-capacity
  minetrack spheres --rule equity --format csv > equity_shares.csv
""")
@click.option("--rule", type=click.Choice(["host", "owner", "equity"]), default="host", show_default=True,
              help="host: sphere of the site's country; owner: of the controlling owner's HQ; "
                   "equity: split by stake.")
@click.option("--measure", type=click.Choice(["mine-output", "processing-capacity"]),
              default="mine-output", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True)
def spheres(rule, measure, fmt) -> None:
    """Shares of copper mine output or processing capacity by control sphere.

    Every share is of the sites that have a figure; coverage_pct says how much of
    the USGS world total (2024) those figures cover.
    """
    from .facts import Facts
    from .stats import sphere_shares

    def go():
        facts = Facts.from_dir()
        if facts.spheres is None or facts.stats is None:
            raise ValueError("the data folder has no spheres.csv or USGS statistics file")
        table = sphere_shares(facts.sites, facts.stakes, facts.spheres, facts.stats,
                              rule=rule, measure=measure)
        if fmt == "csv":
            click.echo(table.to_csv(index=False, lineterminator="\n"), nl=False)
        elif fmt == "json":
            click.echo(table.to_json(orient="records", indent=1))
        else:
            cols = ["sphere", "value_kt", "share_pct", "sites"]
            click.echo(table[cols].to_string(index=False))
            r = table.iloc[0]
            click.echo(f"\n{measure}, {rule} rule: sites with a figure cover {r.covered_kt:,.0f} kt of "
                       f"the USGS world total {r.world_kt:,.0f} kt (coverage {r.coverage_pct:.1f}%).")

    _run(go)


@main.command(epilog="""\b
Examples:
  minetrack fetch --list
  minetrack fetch padus --state NM           # PAD-US 4.0, New Mexico geodatabase
  minetrack fetch osm --region north-america/us/arizona
  minetrack fetch ne-railroads-north-america --cache ./cache
  minetrack fetch padus --state NV --mirror http://127.0.0.1:8000   # any server with the same file names
""")
@click.argument("source", required=False)
@click.option("--state", metavar="XX", help="US state code, for per-state sources (padus).")
@click.option("--region", metavar="PATH", help="Geofabrik region path, for osm (e.g. europe/liechtenstein).")
@click.option("--cache", type=click.Path(file_okay=False, path_type=Path),
              help="Cache folder (default $MINETRACK_CACHE, else ~/.cache/minetrack).")
@click.option("--mirror", metavar="URL", help="Fetch the same file names from this server instead "
              "(or set MINETRACK_MIRROR).")
@click.option("--sha256", metavar="HEX", help="Expected SHA-256 of the file; a mismatch discards it.")
@click.option("--force", is_flag=True, help="Download again even if a verified copy is cached.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--list", "list_", is_flag=True, help="List the sources and their URLs.")
def fetch(source, state, region, cache, mirror, sha256, force, quiet, list_) -> None:
    """Download a public dataset into the cache, verified, resumable; print its path.

    An interrupted download resumes where it stopped when run again. The file is
    checked against --sha256, else the checksum its publisher serves beside it,
    else (zip archives) every member's CRC; a file that fails is discarded.
    """
    from .fetch import SOURCES, FetchError
    from .fetch import fetch as do_fetch

    if list_ or not source:
        for s in SOURCES.values():
            opts = " ".join(f"--{p} ..." for p in s.params)
            click.echo(f"{s.name:<28} {s.description} [{s.publisher}]{'  ' + opts if opts else ''}\n"
                       f"{'':<28} {s.url}")
        return
    try:
        path = _run(lambda: do_fetch(source, state=state, region=region, cache=cache, mirror=mirror,
                                     sha256=sha256, force=force, progress=not quiet))
    except FetchError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(str(path))


def _class_file(value: str) -> tuple[Path, str | None]:
    path, _, klass = value.partition(":") if not Path(value).exists() else (value, "", "")
    return Path(path), klass or None


@main.command(epilog="""\b
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
@click.option("--sites", "sites_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Query this sites file (CSV or vector) instead of the bundled sites.")
@click.option("--stage-vocabulary", metavar="VOCAB",
              help="The --sites file's stage column uses another tracker's values: gem-status, "
                   "gem-status-detail, spglobal-stage, mrds-dev-stat, permitting-dashboard-status.")
@click.option("--stage", help="At this stage (now, or on --on DATE from the stage history).")
@click.option("--on", "on_date", metavar="YYYY-MM-DD", help="Date for --stage (default today).")
@click.option("--entered", nargs=3, metavar="STAGE FROM TO", help="Entered STAGE between two dates.")
@click.option("--fast-tracked", is_flag=True, help="FAST-41 covered or transparency projects only.")
@click.option("--on-federal-land", "on_fed", is_flag=False, flag_value="any", default=None,
              metavar="[AGENCY]",
              help="On federal land (of AGENCY if given); needs --federal-land.")
@click.option("--off-federal-land", is_flag=True, help="Not on any federal land given.")
@click.option("--federal-land", "fed_files", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="PAD-US / BLM SMA / USFS / NPS / wilderness file (repeatable; zip is fine).")
@click.option("--farther-than", multiple=True, metavar="CLASS:DIST", help="e.g. rail:50km (repeatable).")
@click.option("--near", multiple=True, metavar="CLASS:DIST", help="e.g. smelter:200km (repeatable).")
@click.option("--rail", "rail_files", multiple=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--roads", "road_files", multiple=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--ports", "port_files", multiple=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--power", "power_files", multiple=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--infrastructure", "infra_files", multiple=True, metavar="FILE[:CLASS]",
              help="Any infrastructure file; class from the file (Natural Earth, .osm.pbf) or after a colon.")
@click.option("--layer", "layer_names_", multiple=True, metavar="NAME",
              help="An infrastructure or federal-land layer spec (layers/*.toml) read from the download "
                   "cache, e.g. rail_north_america, federal_land_az (repeatable).")
@click.option("--commodity", metavar="NAME[,NAME]")
@click.option("--country", metavar="ISO3[,ISO3]")
@click.option("--type", "type_", metavar="TYPE[,TYPE]")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Output format; default: table on stdout, or the --output file's suffix.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file (atomically).")
@click.option("--map", "map_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also render the result as a standalone HTML map.")
def query(sites_file, stage_vocabulary, stage, on_date, entered, fast_tracked, on_fed, off_federal_land,
          fed_files, farther_than, near, rail_files, road_files, port_files, power_files, infra_files,
          layer_names_, commodity, country,
          type_, fmt, output, map_file) -> None:
    """Sites matching every condition: stage (and its history), FAST-41, federal
    land, distance to infrastructure, commodity, country, type.

    Each condition adds the columns it used (stage_since, federal_agency,
    dist_rail_m, nearest_rail...). Distances are geodesic metres on WGS 84,
    whatever CRS the files are in.
    """
    from .facts import Facts
    from .load import load_sites
    from .permits import load_fast41, load_land_status, load_stage_events
    from .query import gather_layers, parse_class_distance, query_sites, result_map

    def go():
        facts = Facts.from_dir()
        sites = load_sites(sites_file, stage_vocabulary=stage_vocabulary) if sites_file else facts.sites
        by_class = ((rail_files, "rail"), (road_files, "road"), (port_files, "port"), (power_files, "power"))
        files = [(f, klass) for fs, klass in by_class for f in fs]
        files += [_class_file(value) for value in infra_files]
        federal, infrastructure, repaired = gather_layers(
            facts.sites, infrastructure_files=files, federal_files=list(fed_files),
            layer_names=list(layer_names_))
        for source, rows in repaired.items():
            more = " ..." if len(rows) > 10 else ""
            click.echo(f"note: {source}: repaired {len(rows)} invalid polygon(s), rows "
                       f"{', '.join(map(str, rows[:10]))}{more}", err=True)
        result = query_sites(
            sites, stage=stage, on=on_date, entered=tuple(entered) if entered else None,
            fast_tracked_only=fast_tracked, on_federal_land_of=on_fed, off_federal_land=off_federal_land,
            farther_than=dict(parse_class_distance(v) for v in farther_than),
            near=dict(parse_class_distance(v) for v in near),
            commodity=commodity, country=country, type=type_, federal_land=federal,
            infrastructure=infrastructure, events=load_stage_events(), fast41=load_fast41(),
            land_status=load_land_status(),
        )
        _emit_query(result, fmt, output)
        if map_file:
            from .render import map_html
            from .write import write_text

            write_text(map_html(result_map(result, _describe(click.get_current_context()))), map_file)
            click.echo(f"wrote map of {len(result)} sites to {map_file}", err=True)

    _run(go)


def _print_table(table, fmt: str) -> None:
    """A plain table as text (wide enough to read), CSV or JSON records on stdout."""
    import pandas as pd

    if fmt == "csv":
        click.echo(table.to_csv(index=False, lineterminator="\n"), nl=False)
    elif fmt == "json":
        click.echo(table.to_json(orient="records", indent=1))
    else:
        with pd.option_context("display.max_colwidth", 70, "display.width", 200):
            click.echo(table.to_string(index=False))


def _describe(ctx: click.Context) -> str:
    """The query as its command line, for the map's subtitle."""
    parts = []
    for key, value in ctx.params.items():
        if value in (None, False, ()) or key in ("fmt", "output", "map_file"):
            continue
        flag = "--" + key.replace("_", "-")
        shown = " ".join(map(str, value)) if isinstance(value, tuple) else str(value)
        parts.append(flag if value is True else f"{flag} {shown}")
    return "minetrack query " + " ".join(parts)


def _emit_query(rows, fmt, output) -> None:
    # Dates as ISO text: every output format (and QGIS) reads them the same way.
    for col in rows.columns:
        if str(rows[col].dtype).startswith("datetime64"):
            rows[col] = rows[col].dt.strftime("%Y-%m-%d").astype("string")
    if output is None and fmt in (None, "table"):
        cols = [c for c in ("id", "name", "type", "country", "stage_on", "stage_since", "fast41_status",
                            "federal_agency", "federal_unit", "land_status_check") if c in rows.columns]
        cols += [c for c in rows.columns if c.startswith(("dist_", "nearest_", "entered_on"))]
        table = rows[cols].copy()
        for c in [c for c in cols if c.startswith("dist_")]:
            table[c] = (table[c] / 1000).round(1)
            table = table.rename(columns={c: c.removesuffix("_m") + "_km"})
        click.echo(table.to_string(index=False) if len(rows) else "(no rows)")
        return
    _emit(rows, fmt, output)


@main.command(epilog="""\b
Examples:
  minetrack stages resolution             # the dated history of one site
  minetrack stages --on 2020-01-01        # every tracked site's stage on a date
  minetrack stages --fast41               # the FAST-41 list
""")
@click.argument("site_id", required=False)
@click.option("--on", "on_date", metavar="YYYY-MM-DD", help="Stages as of this date (default today).")
@click.option("--fast41", is_flag=True, help="List FAST-41 covered and transparency projects.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True)
def stages(site_id, on_date, fast41, fmt) -> None:
    """Permitting history: a site's dated events, every site's stage on a date, or FAST-41."""
    from .permits import load_fast41, load_stage_events, stage_at

    def go():
        if fast41:
            table = load_fast41()
            table["added"] = table["added"].dt.strftime("%Y-%m-%d")
        elif site_id:
            events = load_stage_events()
            table = events[events["site_id"] == site_id]
            if table.empty:
                raise ValueError(f"no stage history for {site_id!r}")
            table = table.assign(date=table["date"].dt.strftime("%Y-%m-%d"))
        else:
            table = stage_at(load_stage_events(), on_date).reset_index()
            table["since"] = table["since"].dt.strftime("%Y-%m-%d")
        if fmt == "table":  # source ids make the text table too wide; CSV and JSON keep them
            table = table.drop(columns=[c for c in ("sources",) if c in table])
        _print_table(table, fmt)

    _run(go)


@main.command(epilog="""\b
Examples:
  minetrack supply                          # every import-share table (US and China)
  minetrack supply --importer CHN --format csv
  minetrack supply --nir                    # US net import reliance (USGS MCS 2025)
""")
@click.option("--importer", metavar="ISO3", help="Only this importer's shares (USA, CHN).")
@click.option("--nir", is_flag=True, help="US net import reliance per commodity instead.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True)
def supply(importer, nir, fmt) -> None:
    """Supply dependence: import shares by source country, or US net import reliance.

    Every row names its source (ids in sources.csv); "OTH" is other countries.
    """
    from .supply import load_import_sources, load_net_import_reliance

    def go():
        if nir:
            table = load_net_import_reliance()
        else:
            table = load_import_sources()
            if importer:
                table = table[table["importer"] == importer.upper()]
                if table.empty:
                    raise ValueError(f"no import shares for importer {importer!r}")
        _print_table(table, fmt)

    _run(go)


@main.command(name="layers")
def layers_cmd() -> None:
    """List the layers (layers/*.toml) and map recipes (maps/*.toml)."""
    from .layers import layer_names, load_layer_spec
    from .recipes import load_recipe, recipe_names

    click.echo("Layers:")
    for name in layer_names():
        spec = load_layer_spec(name)
        click.echo(f"  {name:<20} {spec.kind:<15} {spec.title}: {spec.description}")
    click.echo("Map recipes:")
    for name in recipe_names():
        r = load_recipe(name)
        click.echo(f"  {name:<26} -> {r.file}: {r.title}")


if __name__ == "__main__":
    main()
