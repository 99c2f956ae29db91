"""``minetrack build``: render map recipes to HTML."""

from __future__ import annotations

from pathlib import Path

import click

from geo.cli._store_input import store_option


@click.command(epilog="""\b
Examples:
  minetrack build
  minetrack build --out reports/maps --map us_copper
  minetrack build --map my_project/maps/lithium.toml   # a recipe of your own
""")
@click.option("--out", "out_dir", default="site", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Folder for the HTML maps.")
@click.option("--map", "names", multiple=True, metavar="RECIPE",
              help="Render only this recipe, by name or path to a TOML file (repeatable); "
                   "default: all in maps/.")
@store_option
def command(out_dir: Path, names: tuple[str, ...]) -> None:
    """Render map recipes to standalone HTML files, one per recipe, with index.html (every
    map and a table of all sites) and a profile page per site in sites/ (all or none written)."""
    from geo.maps.render import build_maps

    profiles = []
    for path in build_maps(out_dir, list(names) or None):
        if path.parent.name == "sites" and path.parent.parent == out_dir:
            profiles.append(path)
        else:
            click.echo(str(path))
    if profiles:
        click.echo(f"{out_dir / 'sites'}: {len(profiles)} site profile pages")
