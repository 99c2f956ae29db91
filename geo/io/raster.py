"""Open rasters: one DEM file, or several tiles as one mosaic.

Tiles that share a CRS, a pixel size, a data type and a band count are opened as one
GDAL VRT mosaic (written in memory, the files untouched), so a question that needs
pixels on both sides of a seam (a slope, a relief window) reads them as if from one
file. Tiles that differ are answered one by one, in the order given.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import Path

from geo.core.errors import FileError


def open_raster(path: str | Path):
    """``rasterio.open(path)`` with a one-line :class:`FileError` for what is not a raster."""
    import rasterio
    from rasterio.errors import RasterioError

    try:
        return rasterio.open(path)
    except (RasterioError, OSError) as exc:
        raise FileError(f"{path}: not a readable raster ({str(exc).splitlines()[0]})") from None


def mosaic_groups(paths: Sequence[str | Path]) -> list[list[str]]:
    """The tiles in groups that can be mosaicked (same CRS, pixel size, type, bands)."""
    groups: dict[tuple, list[str]] = {}
    for p in paths:
        with open_raster(p) as src:
            key = (src.crs.to_wkt() if src.crs else None, round(src.res[0], 12), round(src.res[1], 12),
                   src.dtypes[0], src.count, src.nodata)
        groups.setdefault(key, []).append(str(p))
    return list(groups.values())


def vrt_xml(paths: Sequence[str]) -> str:
    """A mosaic VRT of tiles sharing a grid's CRS and pixel size (what gdalbuildvrt makes)."""
    from rasterio.windows import from_bounds

    infos = []
    for p in paths:
        with open_raster(p) as src:
            infos.append((p, src.bounds, src.width, src.height, src.crs, src.res, src.dtypes[0], src.nodata,
                          src.count, src.block_shapes[0]))
    west = min(i[1].left for i in infos)
    east = max(i[1].right for i in infos)
    south = min(i[1].bottom for i in infos)
    north = max(i[1].top for i in infos)
    rx, ry = infos[0][5]
    width, height = round((east - west) / rx), round((north - south) / ry)
    from rasterio.transform import from_origin

    transform = from_origin(west, north, rx, ry)
    dtype = {"uint8": "Byte", "uint16": "UInt16", "int16": "Int16", "uint32": "UInt32", "int32": "Int32",
             "float32": "Float32", "float64": "Float64"}[infos[0][6]]
    nodata = infos[0][7]
    bands = []
    for b in range(1, infos[0][8] + 1):
        sources = []
        for p, bounds, w, h, *_rest in infos:
            win = from_bounds(*bounds, transform=transform)
            sources.append(
                f'<SimpleSource><SourceFilename relativeToVRT="0">{escape(str(p))}</SourceFilename>'
                f"<SourceBand>{b}</SourceBand>"
                f'<SrcRect xOff="0" yOff="0" xSize="{w}" ySize="{h}"/>'
                f'<DstRect xOff="{round(win.col_off)}" yOff="{round(win.row_off)}" xSize="{w}" ySize="{h}"/>'
                "</SimpleSource>")
        nd = f"<NoDataValue>{nodata!r}</NoDataValue>" if nodata is not None else ""
        bands.append(f'<VRTRasterBand dataType="{dtype}" band="{b}">{nd}{"".join(sources)}</VRTRasterBand>')
    gt = ", ".join(repr(v) for v in transform.to_gdal())
    return (f'<VRTDataset rasterXSize="{width}" rasterYSize="{height}">'
            f"<SRS>{escape(infos[0][4].to_wkt())}</SRS><GeoTransform>{gt}</GeoTransform>"
            f'{"".join(bands)}</VRTDataset>')
