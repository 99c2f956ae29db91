"""Rasters on maps: a GeoTIFF (or DEM tiles fetched into the cache) as one image.

The raster is reprojected to Web Mercator, coloured (colour relief over a hillshade,
a hillshade, or the colour ramp alone), nodata left transparent, and embedded in the
page as a PNG within a size budget (``max_bytes``, default 2 MB: downsampled until it
fits). A layer whose DEM is not downloaded is skipped with a warning that says how to
fetch it, so a build without it still works.
"""

from __future__ import annotations

import warnings

from geo.core.errors import DataError, MinetrackWarning, Problem
from geo.specs.kinds._encode import raster_layer
from geo.specs.kinds.base import Drawn, LayerKind

RASTER_KEYS = ("style", "opacity", "max_bytes", "attribution")
DEM_KEYS = ("source", "bbox")
STYLES = ("relief", "hillshade", "values")


class RasterKind(LayerKind):
    """A single-band raster drawn as an image overlay with a colour-ramp legend."""

    name = "raster"
    js = "raster"
    spec_keys = ("source", "raster", "dem")
    recipe_keys = ("title", "show", "source")  # a recipe may draw its own GeoTIFF (path relative to it)

    def check_spec(self, spec) -> None:
        problems = [Problem(spec.file, 0, f"raster.{k}",
                            f"unknown raster key (one of {', '.join(RASTER_KEYS)})")
                    for k in sorted(set(spec.raster) - set(RASTER_KEYS))]
        problems += [Problem(spec.file, 0, f"dem.{k}", f"unknown dem key (one of {', '.join(DEM_KEYS)})")
                     for k in sorted(set(spec.dem) - set(DEM_KEYS))]
        style = spec.raster.get("style", "relief")
        if style not in STYLES:
            problems.append(Problem(spec.file, 0, "raster.style",
                                    f"{style!r} is not one of {', '.join(STYLES)}"))
        if bool(spec.source) == bool(spec.dem):
            problems.append(Problem(spec.file, 0, "source",
                                    "a raster layer needs a source file or a [dem], one"))
        bbox = spec.dem.get("bbox")
        if spec.dem and (not isinstance(bbox, list) or len(bbox) != 4):
            problems.append(Problem(spec.file, 0, "dem.bbox", "give [west, south, east, north]"))
        if problems:
            raise DataError(problems)

    def _paths(self, spec, facts) -> list[str] | None:
        if spec.source:  # a recipe's own file wins over the spec's [dem]
            from geo.specs.kinds.base import source_of

            path = source_of(spec, facts)
            if not path.exists():
                raise DataError([Problem(spec.file, 0, "source", f"{path}: file not found")])
            return [str(path)]
        from geo.io.dem import cached_tiles

        source = spec.dem.get("source", "copernicus-glo90")
        tiles = cached_tiles(tuple(spec.dem["bbox"]), source)
        return [str(t) for t in tiles] or None

    def draw(self, layer, spec, facts) -> Drawn:
        paths = self._paths(spec, facts)
        if paths is None:
            bbox = ",".join(f"{v:g}" for v in spec.dem["bbox"])
            dem = spec.dem.get("source", "copernicus-glo90")
            warnings.warn(MinetrackWarning(
                f"skipped layer {spec.name!r}: its DEM is not downloaded; run "
                f"`minetrack fetch dem --bbox {bbox} --source {dem}` and build again"), stacklevel=2)
            return Drawn()
        source = paths[0]
        if len(paths) > 1:  # tiles of one grid: one mosaic VRT
            import tempfile

            from geo.io.raster import vrt_xml

            with tempfile.NamedTemporaryFile("w", suffix=".vrt", delete=False) as fh:
                fh.write(vrt_xml(paths))
                source = fh.name
        options = spec.raster
        drawn = raster_layer(source, title=layer.title or spec.title, style=options.get("style", "relief"),
                             max_bytes=int(options.get("max_bytes", 2_000_000)),
                             attribution=options.get("attribution", ""), show=layer.show,
                             opacity=float(options.get("opacity", 0.75)))
        (south, west), (north, east) = drawn["bounds"]
        return Drawn(layers=[drawn], bounds=(west, south, east, north))


KIND = RasterKind()
