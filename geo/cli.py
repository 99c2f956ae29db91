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


@main.command(name="layers")
def layers_cmd() -> None:
    """List the layers (layers/*.toml) and map recipes (maps/*.toml)."""
    from .layers import layer_names, load_layer_spec
    from .recipes import load_recipe, recipe_names

    click.echo("Layers:")
    for name in layer_names():
        spec = load_layer_spec(name)
        click.echo(f"  {name:<10} {spec.title}: {spec.description}")
    click.echo("Map recipes:")
    for name in recipe_names():
        r = load_recipe(name)
        click.echo(f"  {name:<14} -> {r.file}: {r.title}")


if __name__ == "__main__":
    main()
