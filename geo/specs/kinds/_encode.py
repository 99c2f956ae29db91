"""Encode point layers compactly for the map runtime (``geo/static/minetrack.js``).

The layout is columnar, so a million points fit in a page of about 10 MB and the
browser decodes them in one pass with no object per point:

- coordinates as 24-bit integers on a fixed global grid (:func:`quantise_lonlat`,
  2.1e-5 degrees of longitude and 1.1e-5 of latitude, i.e. at most ~1.2 m off),
  one base64 plane of 3-byte little-endian codes for longitude and one for latitude;
- colours and radii as uint8 codes;
- text fields as JSON string arrays, or for large layers whose values repeat
  (:data:`DICT_MIN_POINTS`) as the distinct strings plus a code per point
  (:func:`text_column`).

The browser only ever puts text in the page with ``textContent``. The JSON is
made safe for an inline ``<script>``.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

FALLBACK_COLOR = "#6a3d9a"


def b64(array: np.ndarray) -> str:
    """Base64 of an array's little-endian bytes."""
    return base64.b64encode(np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes()
                            ).decode("ascii")


COORD_BITS = 24
_COORD_MAX = (1 << COORD_BITS) - 1
DICT_MIN_POINTS = 5000
"""Layers with at least this many points send repeating text fields dictionary-coded."""


def quantise_lonlat(lon: np.ndarray, lat: np.ndarray) -> dict[str, Any]:
    """Longitudes and latitudes as 24-bit codes on a fixed global grid (deterministic,
    independent of the layer's extent): ``{"bits": 24, "lon": b64, "lat": b64}``,
    each plane 3 little-endian bytes a point. Decoded as ``code / (2**24 - 1)`` of
    360 (from -180) or 180 (from -90) degrees."""
    def plane(values: np.ndarray, lo: float, span: float) -> str:
        q = np.rint((np.clip(np.asarray(values, float), lo, lo + span) - lo) / span * _COORD_MAX)
        raw = q.astype("<u4").view(np.uint8).reshape(-1, 4)[:, :3]
        return base64.b64encode(np.ascontiguousarray(raw).tobytes()).decode("ascii")

    return {"bits": COORD_BITS, "lon": plane(lon, -180.0, 360.0), "lat": plane(lat, -90.0, 180.0)}


def dequantise_lonlat(coords: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """The inverse of :func:`quantise_lonlat` (what the browser decodes), in degrees."""
    def plane(text: str, lo: float, span: float) -> np.ndarray:
        raw = np.frombuffer(base64.b64decode(text), np.uint8).reshape(-1, 3).astype(np.uint32)
        return lo + (raw[:, 0] | raw[:, 1] << 8 | raw[:, 2] << 16) / _COORD_MAX * span

    return plane(coords["lon"], -180.0, 360.0), plane(coords["lat"], -90.0, 180.0)


def text_column(values: pd.Series) -> list[str] | dict[str, Any]:
    """A text field for the runtime: a plain list, or for a large layer whose values
    repeat, ``{"values": distinct strings (in order of first appearance), "codes": b64,
    "width": bytes a code}``."""
    text = _text(values)
    if len(text) < DICT_MIN_POINTS:
        return text
    codes, distinct = pd.factorize(pd.Series(text, dtype=object))
    if len(distinct) * 4 > len(text):
        return text
    width = 1 if len(distinct) <= 1 << 8 else 2 if len(distinct) <= 1 << 16 else 4
    dtype = {1: np.uint8, 2: np.uint16, 4: np.uint32}[width]
    return {"values": [str(v) for v in distinct], "codes": b64(codes.astype(dtype)), "width": width}


def _text(values: pd.Series) -> list[str]:
    return ["" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v) for v in values]


def point_layer(
    gdf: gpd.GeoDataFrame,
    *,
    title: str,
    color_by: str | None = None,
    palette: Mapping[str, str] | None = None,
    radius: np.ndarray | float = 5.0,
    fields: Sequence[str] = (),
    label: str | None = None,
    popup: Sequence[tuple[str, str]] = (),
    refs: Sequence[list[list[str]]] | None = None,
    size_note: str | None = None,
    size_refs: Sequence[tuple[str, float]] | None = None,
    labels: bool = False,
    show: bool = True,
) -> dict[str, Any]:
    """The JSON-ready spec of one canvas point layer.

    ``palette`` orders the categories of ``color_by`` (values missing from it get
    ``FALLBACK_COLOR``); ``fields`` are text columns shipped for popups, tooltips,
    search and filters; ``popup`` is (label, field) pairs; ``refs`` a list per
    point of [publisher, title, url, year] source citations; ``size_refs`` the
    (label, radius in px) reference circles of the size legend (:func:`size_references`);
    ``labels`` asks the runtime to label the largest points with their ``label`` field.
    """
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        gdf = gdf.to_crs("EPSG:4326")
    coords = quantise_lonlat(gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy())
    spec: dict[str, Any] = {"title": title, "n": len(gdf), "coords": coords, "show": show}
    if color_by:
        cats = list(palette or {})
        values = gdf[color_by].astype(object).where(gdf[color_by].notna(), "")
        extra = sorted(set(values) - set(cats) - {""}) + ([""] if (values == "").any() else [])
        cats += extra
        colors = [(palette or {}).get(c, FALLBACK_COLOR) for c in cats]
        code = {c: i for i, c in enumerate(cats)}
        spec["color_codes"] = b64(values.map(code).to_numpy(dtype=np.uint8))
        spec["colors"] = colors
        spec["categories"] = [c or "(unknown)" for c in cats]
    else:
        spec["colors"] = [FALLBACK_COLOR]
        spec["categories"] = [title]
    if np.ndim(radius):
        spec["radius"] = b64(np.clip(np.rint(radius), 1, 255).astype(np.uint8))
    else:
        spec["radius"] = float(radius)
    if fields:
        spec["fields"] = {f: text_column(gdf[f]) for f in fields}
    if label:
        spec["label"] = label
    if popup:
        spec["popup"] = [list(p) for p in popup]
    if refs is not None:
        spec["refs"] = list(refs)
    if size_note:
        spec["size_note"] = size_note
    if labels and label:
        spec["labels"] = True
    if size_refs:
        spec["size_refs"] = [[str(text), round(float(r), 2)] for text, r in size_refs]
    return spec


def round_values(top: float, count: int = 3) -> list[float]:
    """Up to ``count`` round values (1, 2 or 5 times a power of ten) for a size legend:
    the largest not above ``top``, then about a quarter and a twentieth of it."""
    if not np.isfinite(top) or top <= 0:
        return []

    def below(v: float) -> float:
        k = 10.0 ** np.floor(np.log10(v))
        return max(m * k for m in (1, 2, 5, 10) if m * k <= v * (1 + 1e-9))

    out: list[float] = []
    for share in (1.0, 0.25, 0.05)[:count]:
        v = below(top * share)
        if v not in out:
            out.append(float(v))
    return out


def size_references(top: float, radius_of, *, count: int = 3) -> list[tuple[str, float]]:
    """(label, radius) reference circles for values up to ``top``; ``radius_of`` maps
    values to radii as the layer draws them."""
    return [(f"{v:,g}", float(radius_of(v))) for v in round_values(top, count)]


def script_json(data: Any) -> str:
    """Deterministic JSON that can sit inside ``<script type="application/json">``."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
    # branca compiles every macro's output as a Jinja template once more, so a "{{",
    # "{%" or "{#" from data would be evaluated at build time. In JSON such pairs can
    # only occur inside strings, where \u007b is the same character.
    return re.sub(r"\{(?=[{%#])", lambda _: "\\u007b", text)


def classify(values: pd.Series, bins: Sequence[float], unit: str = "") -> tuple[pd.Series, list[str]]:
    """Numeric values to class labels by ``bins`` edges ("1–5 %"); NaN stays NaN."""
    edges = [*bins, np.inf]
    labels = [f"{lo:g}–{hi:g}{unit}" if np.isfinite(hi) else f"≥ {lo:g}{unit}"
              for lo, hi in itertools.pairwise(edges)]
    cut = pd.cut(values, edges, right=False, labels=labels)
    return cut.astype(object).where(cut.notna(), None), labels


def polygon_layer(
    gdf: gpd.GeoDataFrame,
    *,
    title: str,
    color_by: str,
    palette: Mapping[str, str],
    fields: Sequence[str] = (),
    label: str | None = None,
    popup: Sequence[tuple[str, str]] = (),
    simplify_deg: float = 0.05,
    show: bool = True,
) -> dict[str, Any]:
    """The JSON-ready spec of a categorical polygon layer (e.g. countries by sphere).

    Features without a category are left out; ``palette`` orders the categories.
    """
    import shapely

    gdf = gdf[gdf[color_by].notna()]
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        gdf = gdf.to_crs("EPSG:4326")
    cats = [c for c in palette if (gdf[color_by] == c).any()]
    cats += sorted(set(gdf[color_by]) - set(cats))
    geoms = shapely.set_precision(
        shapely.simplify(gdf.geometry.values, simplify_deg, preserve_topology=True), 0.001)
    props = pd.DataFrame({f: _text(gdf[f]) for f in fields}, index=gdf.index)
    props["_c"] = gdf[color_by].map({c: i for i, c in enumerate(cats)}).astype(int)
    layer = gpd.GeoDataFrame(props, geometry=geoms, crs="EPSG:4326")
    return {
        "kind": "polygons", "title": title, "show": show,
        "geojson": json.loads(layer.to_json(drop_id=True)),
        "colors": [palette.get(c, FALLBACK_COLOR) for c in cats],
        "categories": [str(c) for c in cats],
        "label": label, "popup": [list(p) for p in popup],
    }


def line_layer(
    gdf: gpd.GeoDataFrame,
    *,
    title: str,
    weight_by: str,
    max_weight: float = 14.0,
    color: str = "#b2182b",
    label: str,
    show: bool = True,
) -> dict[str, Any]:
    """The JSON-ready spec of a flow-line layer: line width proportional to ``weight_by``."""
    values = gdf[weight_by].astype(float)
    top = float(values.max()) or 1.0
    props = pd.DataFrame({"label": _text(gdf[label])}, index=gdf.index)
    props["_w"] = (1.5 + (max_weight - 1.5) * values / top).round(2)
    props["_c"] = 0
    layer = gpd.GeoDataFrame(props, geometry=gdf.geometry.values, crs=gdf.crs)
    return {
        "kind": "lines", "title": title, "show": show,
        "geojson": json.loads(layer.to_json(drop_id=True)),
        "colors": [color], "categories": [title], "label": "label", "popup": [],
    }


RELIEF_RAMP: tuple[tuple[float, str], ...] = (
    (0.00, "#2c7bb6"), (0.15, "#abd9e9"), (0.35, "#ffffbf"), (0.60, "#fdae61"), (0.85, "#d7191c"),
    (1.00, "#f7f7f7"),
)
"""Colour relief stops, as fractions of the raster's value range (low blue to high white)."""


def _ramp_rgb(frac: np.ndarray, ramp) -> np.ndarray:
    stops = np.array([s for s, _ in ramp])
    rgb = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for _, c in ramp], dtype=float)
    return np.stack([np.interp(frac, stops, rgb[:, k]) for k in range(3)], axis=-1)


def _hillshade(z: np.ndarray, cell_m: float, azimuth: float = 315.0, altitude: float = 45.0) -> np.ndarray:
    """Lambertian hillshade, 0-1, of elevations on square cells of ``cell_m`` metres."""
    gy, gx = np.gradient(z, cell_m)
    slope = np.arctan(np.hypot(gx, gy))
    aspect = np.arctan2(-gx, gy)
    az, alt = np.radians(360.0 - azimuth + 90.0), np.radians(altitude)
    shade = np.sin(alt) * np.cos(slope) + np.cos(alt) * np.sin(slope) * np.cos(az - aspect)
    return np.clip(np.nan_to_num(shade, nan=1.0), 0, 1)


def _png(rgba: np.ndarray) -> bytes:
    """PNG bytes of an RGBA uint8 array (rows, cols, 4), through GDAL's PNG driver."""
    from rasterio.io import MemoryFile

    h, w, _ = rgba.shape
    with MemoryFile() as mem:
        with mem.open(driver="PNG", width=w, height=h, count=4, dtype="uint8") as ds:
            ds.write(np.moveaxis(rgba, -1, 0))
        return mem.read()


def raster_layer(path, *, title: str, style: str = "relief", max_bytes: int = 2_000_000,
                 attribution: str = "", show: bool = True, opacity: float = 0.75,
                 max_pixels: int = 1600) -> dict[str, Any]:
    """The JSON-ready spec of a raster overlay: band 1 of ``path`` reprojected to Web
    Mercator, coloured (``style``: ``relief``, colour relief over a hillshade;
    ``hillshade``; ``values``, the colour ramp only), nodata transparent, encoded as
    a PNG data URI of at most ``max_bytes`` (downsampled until it fits)."""
    import rasterio
    from rasterio.vrt import WarpedVRT
    from rasterio.warp import Resampling

    from geo.io.raster import open_raster

    if style not in ("relief", "hillshade", "values"):
        raise ValueError(f"unknown raster style {style!r} (relief, hillshade, values)")
    with open_raster(path) as src, WarpedVRT(src, crs="EPSG:3857", resampling=Resampling.bilinear) as vrt:
        longest = max_pixels
        while True:
            scale = min(1.0, longest / max(vrt.width, vrt.height))
            w, h = max(1, int(vrt.width * scale)), max(1, int(vrt.height * scale))
            data = vrt.read(1, out_shape=(h, w), masked=True).astype("float64")
            z = data.filled(np.nan)
            valid = np.isfinite(z)
            lo, hi = (np.nanmin(z), np.nanmax(z)) if valid.any() else (0.0, 1.0)
            frac = np.clip((z - lo) / ((hi - lo) or 1.0), 0, 1)
            cell_m = (vrt.bounds.right - vrt.bounds.left) / w
            # Web Mercator stretches ground distances by 1/cos(latitude).
            from pyproj import Transformer

            _, lat_mid = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True).transform(
                (vrt.bounds.left + vrt.bounds.right) / 2, (vrt.bounds.bottom + vrt.bounds.top) / 2)
            ground = cell_m * np.cos(np.radians(lat_mid))
            rgb = _ramp_rgb(np.nan_to_num(frac), RELIEF_RAMP)
            if style != "values":
                shade = _hillshade(np.where(valid, z, lo), ground)[..., None]
                rgb = (np.full_like(rgb, 255.0) * shade if style == "hillshade"
                       else rgb * (0.45 + 0.55 * shade))
            rgba = np.concatenate([np.clip(rgb, 0, 255), np.where(valid, 255, 0)[..., None]], axis=-1)
            png = _png(rgba.astype(np.uint8))
            if len(png) * 4 / 3 <= max_bytes or longest <= 64:
                break
            longest = int(longest * 0.7)
        west, south, east, north = rasterio.warp.transform_bounds("EPSG:3857", "EPSG:4326", *vrt.bounds)
    labels = ([f"{lo + (hi - lo) * s:,.0f}" for s, _ in RELIEF_RAMP] if style != "hillshade"
              else ["shaded relief"])
    colors = [c for _, c in RELIEF_RAMP] if style != "hillshade" else ["#888888"]
    return {
        "kind": "raster", "title": title, "show": show, "opacity": opacity,
        "image": "data:image/png;base64," + base64.b64encode(png).decode("ascii"),
        "bounds": [[south, west], [north, east]], "colors": colors, "categories": labels,
        "no_counts": True, "attribution": attribution, "pixels": [w, h], "range": [float(lo), float(hi)],
    }
