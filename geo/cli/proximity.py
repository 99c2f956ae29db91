"""``minetrack proximity``: a GeoTIFF of geodesic distance to rail, roads, power, ports or plants."""

from __future__ import annotations

import click

from geo.cli._sites_input import FILE, bbox_option


@click.command(epilog="""\b
Examples:
  minetrack proximity --to smelter --bbox -115,31,-105,37 --resolution 2km --output smelter_km.tif
  minetrack proximity --to ne_10m_railroads_north_america.zip:rail --bbox -115,31,-109,37 \\
      --resolution 1km --output rail.tif
  minetrack proximity --to rail --bbox -115,31,-109,37 --resolution 1km --max 50km --output near_rail.tif

\b
--to takes smelter or refinery (minetrack's own plants), rail, roads, power or ports
(from the layer specs' downloads in the cache: `minetrack fetch ...` first), or any
file of lines or points, FILE or FILE:CLASS. The grid is a local azimuthal
equidistant projection centred on the box, in metres; each cell holds the geodesic
distance from its centre to the nearest feature. The output is a Cloud-Optimized
GeoTIFF (deflate, tiled, overviews); --max gives a 0/1 mask instead.
""")
@click.option("--to", "to", required=True, metavar="CLASS|FILE[:CLASS]", help="What to measure distance to.")
@bbox_option
@click.option("--resolution", default="1km", show_default=True, help="Cell size (m, km).")
@click.option("--max", "max_", metavar="DIST", help="Write a mask: 1 within DIST of a feature, else 0.")
@click.option("--output", type=FILE, required=True, help="The GeoTIFF to write (.tif).")
def command(to, bbox, resolution, max_, output) -> None:
    """A raster of geodesic distance to the nearest feature (or a mask within a distance)."""
    from pathlib import Path

    from geo.core.errors import ArgumentError
    from geo.core.units import parse_distance
    from geo.spatial.proximity import proximity, write_cog

    if bbox is None:
        raise ArgumentError("give --bbox W,S,E,N")
    features = _features(to)
    surface = proximity(features, bbox, parse_distance(resolution),
                        max_m=parse_distance(max_) if max_ else None)
    if Path(output).suffix.lower() not in (".tif", ".tiff"):
        raise ArgumentError(f"{output}: the output is a GeoTIFF (.tif)")
    what = f"within {max_} of {to}" if max_ else f"geodesic metres to the nearest {to}"
    write_cog(surface, output, description=what)
    h, w = surface.values.shape
    click.echo(f"wrote {w} x {h} cells ({what}) to {output}", err=True)


PLANT_CLASSES = ("smelter", "refinery")
SPEC_CLASSES = {"rail": "rail", "roads": "road", "road": "road", "power": "power", "ports": "port",
                "port": "port"}


def _features(to: str):
    from pathlib import Path

    from geo.core.errors import ArgumentError

    if to in PLANT_CLASSES:
        from geo.facts.bundle import Facts
        from geo.spatial.infrastructure import plants_as_infrastructure

        infra = plants_as_infrastructure(Facts.from_dir().sites)
        return infra[infra["class"] == to]
    if to in SPEC_CLASSES:
        from geo.specs.catalogue import layer_names
        from geo.specs.layer import load_layer, load_layer_spec

        klass = SPEC_CLASSES[to]
        specs = [load_layer_spec(n) for n in layer_names()]
        specs = [s for s in specs if s.kind == "infrastructure" and s.infrastructure_class == klass]
        if not specs:
            raise ArgumentError(f"no layer spec of {klass} lines; give a file: --to FILE:{klass}")
        return load_layer(specs[0])
    path, _, klass = to.partition(":") if not Path(to).exists() else (to, "", "")
    from geo.io.infrastructure import read_infrastructure

    return read_infrastructure(path, klass=klass or None)
