"""``minetrack png``: a PNG picture of a built map."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(epilog="""\b
Examples:
  minetrack png site/world-copper.html --output world.png
  minetrack png site/us-copper.html --output us.png --width 1600 --height 1000 --scale 2
  minetrack png site/us-copper.html --output az.png --view 'map=7/33/-111&layers=0,1'
""")
@click.argument("map_file", metavar="MAP.html", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="PNG file to write (atomically).")
@click.option("--width", default=1200, show_default=True, type=int, help="Viewport width, CSS px.")
@click.option("--height", default=800, show_default=True, type=int, help="Viewport height, CSS px.")
@click.option("--scale", default=1.0, show_default=True, type=float, help="Device pixel ratio (2 = retina).")
@click.option("--view", "hash_", default=None, metavar="HASH",
              help="A view as in the map's URL hash: map=ZOOM/LAT/LON, site=ID, layers=I,J "
                   "(indices of the shown layers), filters=FIELD:VALUE,...;FIELD2:... (values shown).")
def command(map_file, output, width, height, scale, hash_) -> None:
    """Render a built map to a PNG picture (legend, scale bar and attribution included)
    with headless Chromium (/usr/bin/chromium, or $MINETRACK_CHROMIUM), offline."""
    from geo.maps.embed import snapshot

    path, alt = snapshot(map_file, output, width=width, height=height, scale=scale, hash=hash_)
    click.echo(str(path))
    click.echo(f"alt text: {alt}", err=True)
