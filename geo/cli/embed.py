"""``minetrack embed``: an iframe snippet for a built map."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(epilog="""\b
Examples:
  minetrack embed site/us-copper.html
  minetrack embed site/us-copper.html --src https://example.org/maps/us-copper.html --aspect 4:3
  minetrack embed site/us-copper.html --height 480 --srcdoc > snippet.html
  minetrack embed site/us-copper.html --view 'map=7/33/-111&filters=stage:production'
""")
@click.argument("map_file", metavar="MAP", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--width", default="100%", show_default=True, help="CSS width (pixels or e.g. 100%).")
@click.option("--height", default=None, help="Fixed height (pixels or CSS length); overrides --aspect.")
@click.option("--aspect", default="16:9", show_default=True, help="Width:height ratio when no --height.")
@click.option("--src", default=None, help="URL to write in the snippet (default: MAP as given).")
@click.option("--srcdoc", is_flag=True, help="Embed the whole map in the snippet (no second file).")
@click.option("--view", default=None, metavar="HASH",
              help="Open on a view as in the map's URL hash, e.g. 'map=7/33/-111&site=morenci'.")
def command(map_file, width, height, aspect, src, srcdoc, view) -> None:
    """Print an <iframe> snippet that shows a built map inside another page or report."""
    from geo.maps.embed import iframe_snippet

    click.echo(iframe_snippet(map_file, src=src, width=width, height=height, aspect=aspect, srcdoc=srcdoc,
                                  view=view))
