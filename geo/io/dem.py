"""DEM tiles for a box, from their publishers: Copernicus DEM GLO-90 / GLO-30 and SRTM.

- ``copernicus-glo90`` and ``copernicus-glo30``: the Copernicus DEM (ESA / Airbus,
  distributed under the Copernicus DEM licence) as the Cloud-Optimized GeoTIFF 1-degree
  tiles of the public AWS Open Data buckets ``copernicus-dem-90m`` and
  ``copernicus-dem-30m``; tiles over open ocean do not exist and are skipped.
- ``srtm``: NASA SRTM Global 3 arc-second (SRTMGL3 v003) from NASA's LP DAAC; that
  server asks for an Earthdata login (put it in ``~/.netrc``) or use ``--mirror``.

Each tile goes through the one verified, resumable transfer (:func:`geo.io.fetch.fetch_file`):
a GeoTIFF is opened and every block decoded, a zip's CRCs are checked.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from geo.core.errors import ArgumentError, FetchError, UnknownNameError


@dataclass(frozen=True)
class DemSource:
    name: str
    publisher: str
    url: str  # {tile} is the tile's file stem
    stem: str  # tile stem from {ns} {lat:02d} {ew} {lon:03d}
    suffix: str


DEM_SOURCES: dict[str, DemSource] = {
    "copernicus-glo90": DemSource(
        "copernicus-glo90", "European Space Agency / Airbus (Copernicus DEM GLO-90, AWS Open Data)",
        "https://copernicus-dem-90m.s3.amazonaws.com/{tile}/{tile}.tif",
        "Copernicus_DSM_COG_30_{ns}{lat:02d}_00_{ew}{lon:03d}_00_DEM", ".tif"),
    "copernicus-glo30": DemSource(
        "copernicus-glo30", "European Space Agency / Airbus (Copernicus DEM GLO-30, AWS Open Data)",
        "https://copernicus-dem-30m.s3.amazonaws.com/{tile}/{tile}.tif",
        "Copernicus_DSM_COG_10_{ns}{lat:02d}_00_{ew}{lon:03d}_00_DEM", ".tif"),
    "srtm": DemSource(
        "srtm", "NASA / USGS LP DAAC (SRTMGL3 v003)",
        "https://e4ftl01.cr.usgs.gov/MEASURES/SRTMGL3.003/2000.02.11/{tile}.SRTMGL3.hgt.zip",
        "{ns}{lat:02d}{ew}{lon:03d}", ".SRTMGL3.hgt.zip"),
}

MAX_TILES = 100


def tile_stems(bbox: tuple[float, float, float, float], source: str) -> list[str]:
    """The tile names covering ``bbox`` (west, south, east, north degrees), west to east,
    south to north; tiles are named by their south-west corner."""
    if source not in DEM_SOURCES:
        raise UnknownNameError(f"unknown DEM source {source!r}; one of: {', '.join(DEM_SOURCES)}")
    w, s, e, n = bbox
    if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
        raise ArgumentError("--bbox must be west,south,east,north with west < east and south < north")
    lats = range(math.floor(s), math.ceil(n))
    lons = range(math.floor(w), math.ceil(e))
    if len(lats) * len(lons) > MAX_TILES:
        raise ArgumentError(f"--bbox covers {len(lats) * len(lons)} tiles (at most {MAX_TILES}); split it")
    spec = DEM_SOURCES[source]
    return [spec.stem.format(ns="N" if la >= 0 else "S", lat=abs(la), ew="E" if lo >= 0 else "W", lon=abs(lo))
            for la in lats for lo in lons]


def fetch_dem(bbox: tuple[float, float, float, float], *, source: str = "copernicus-glo90",
              cache: Path | str | None = None, mirror: str | None = None, progress: bool = True,
              **limits) -> list[Path]:
    """Download the DEM tiles covering ``bbox`` into the cache; returns the tiles' paths.

    A tile the publisher does not have (open ocean: HTTP 404 on the Copernicus buckets)
    is skipped; any other failure raises :class:`~geo.core.errors.FetchError`.
    ``limits``: ``max_bytes``, ``stall_s``, ``deadline_s``, ``unverified`` as for fetch.
    """
    from geo.io.fetch import cache_dir, fetch_file

    stems = tile_stems(bbox, source)  # checks the source name first
    spec = DEM_SOURCES[source]
    mirror = mirror or os.environ.get("MINETRACK_MIRROR")
    folder = Path(cache or cache_dir()) / "dem" / source
    out = []
    for stem in stems:
        filename = stem + spec.suffix
        url = f"{mirror.rstrip('/')}/{filename}" if mirror else spec.url.format(tile=stem)
        try:
            out.append(fetch_file(url, folder / filename, source=f"dem/{source}", publisher=spec.publisher,
                                  sidecars=["sha256", "md5"] if mirror else [], progress=progress, **limits))
        except FetchError as exc:
            if "HTTP 404" in str(exc) and source.startswith("copernicus"):
                continue  # no tile there: open ocean
            raise
    if not out:
        raise FetchError(f"no {source} tile exists for --bbox {','.join(map(str, bbox))}")
    return out


def cached_tiles(bbox: tuple[float, float, float, float], source: str = "copernicus-glo90",
                 cache: Path | str | None = None) -> list[Path]:
    """The tiles of ``bbox`` already in the cache (no network)."""
    from geo.io.fetch import cache_dir

    spec = DEM_SOURCES[source]
    folder = Path(cache or cache_dir()) / "dem" / source
    return [p for p in (folder / (s + spec.suffix) for s in tile_stems(bbox, source)) if p.exists()]
