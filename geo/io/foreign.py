"""Read a user's file, whatever its format, as rows of text cells with their geometry.

One reader for every table or layer a user brings: CSV (delimiter sniffed, any
encoding), XLSX, GeoJSON, GeoPackage (any layer), Shapefile (also zipped, any
member), FlatGeobuf and GeoParquet, in any CRS. Attributes come back as text (the
importer parses them against the site schema, so every format is checked the same
way) and geometries in WGS 84. pyogrio reads in bulk; when GDAL cannot read a
layer whole (a broken feature), fiona reads it feature by feature, so the problem
names the feature and the good ones are kept.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.core.errors import FileError, Problem, display_path
from geo.core.tables import ROW

WGS84 = "EPSG:4326"

TABLE_SUFFIXES = (".csv", ".tsv", ".txt")
SHEET_SUFFIXES = (".xlsx", ".xlsm")
VECTOR_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".fgb", ".gml", ".kml", ".parquet", ".zip")
READABLE = TABLE_SUFFIXES + SHEET_SUFFIXES + VECTOR_SUFFIXES
"""File name endings :func:`read_foreign` reads."""

_DELIMITERS = ",;\t|"
_ZIP_MEMBERS = (".shp", ".gpkg", ".geojson", ".json", ".fgb", ".csv")


@dataclass
class Foreign:
    """A foreign file's rows: ``frame`` holds text cells (empty string for null) and a
    :data:`~geo.core.tables.ROW` column with each row's number in the file (CSV: the
    line the record starts on, header = 1; spreadsheets: the sheet row; vector
    layers: the 1-based feature number); ``geometry`` is aligned with it, in
    EPSG:4326, or None for a table without geometry."""

    name: str
    frame: pd.DataFrame
    geometry: gpd.GeoSeries | None = None
    problems: list[Problem] = field(default_factory=list)
    layer: str | None = None
    source_crs: str | None = None


def read_foreign(path: Path | str, *, layer: str | None = None, encoding: str | None = None,
                 null_values: tuple[str, ...] = ()) -> Foreign:
    """Read any table or vector layer minetrack can import (see the module docstring).

    Parameters
    ----------
    path:
        The file. A ``.zip`` may hold a shapefile, GeoPackage, GeoJSON, FlatGeobuf or CSV;
        ``layer`` picks the member (or the layer of a GeoPackage, or a spreadsheet's sheet).
    encoding:
        Text encoding of a CSV or a shapefile's DBF (default: UTF-8, BOM allowed).
    null_values:
        Cell texts that mean "no value" (e.g. ``<null>`` in USGS layers); they become "".

    Raises
    ------
    FileError
        The file is missing, unreadable as a whole, or ambiguous (several layers and no
        ``layer``): one line naming the file and what to do.
    """
    path = Path(path)
    name = display_path(path)
    if not path.exists():
        if path.is_symlink():
            raise FileError(f"{name}: a symbolic link that leads nowhere (a loop or a missing target)")
        raise FileError(f"{name}: file not found")
    if path.is_dir():
        raise FileError(f"{name}: is a folder, not a file")
    suffix = path.suffix.lower()
    if suffix in TABLE_SUFFIXES:
        out = _read_csv(path, name, encoding)
    elif suffix in SHEET_SUFFIXES:
        out = _read_sheet(path, name, layer)
    elif suffix in VECTOR_SUFFIXES:
        out = _read_vector(path, name, layer, encoding)
    else:
        raise FileError(f"{name}: cannot import a {suffix or 'suffix-less'} file "
                        f"(readable: {', '.join(READABLE)})")
    if null_values:
        nulls = set(null_values)
        cells = out.frame.drop(columns=ROW)
        out.frame[cells.columns] = cells.where(~cells.isin(nulls), "")
    return out


# CSV --------------------------------------------------------------------------


def _read_csv(path: Path, name: str, encoding: str | None) -> Foreign:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FileError.wrap(exc, path, "cannot read") from None
    try:
        text = data.decode(encoding or "utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileError(f"{name}: not {encoding or 'UTF-8'} text at byte {exc.start}; "
                        "give its encoding (e.g. --encoding latin-1)") from None
    except LookupError:
        raise FileError(f"{name}: unknown encoding {encoding!r}") from None
    if "\x00" in text:
        raise FileError(f"{name}: holds NUL bytes; not a text table")
    if not text.strip():
        raise FileError(f"{name}: empty file")
    sample = text[:65536]
    try:
        dialect = csv.Sniffer().sniff(sample.split("\n", 1)[0] + "\n", delimiters=_DELIMITERS)
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise FileError(f"{name}:1: unreadable CSV header ({exc})") from None
    header = [h.strip() for h in header]
    seen: set[str] = set()
    for h in header:
        if h in seen and h:
            raise FileError(f"{name}:1: column {h!r} appears twice in the header")
        seen.add(h)
    rows: list[list[str]] = []
    starts: list[int] = []
    problems: list[Problem] = []
    last = reader.line_num
    width = len(header)
    try:
        for record in reader:
            start = last + 1
            last = reader.line_num
            if not record or (len(record) == 1 and not record[0].strip()):
                continue
            if len(record) > width:
                problems.append(Problem(name, start, "", f"{len(record)} fields, the header has {width} "
                                        f"(a delimiter inside an unquoted value?)"))
                continue
            rows.append(record + [""] * (width - len(record)))
            starts.append(start)
    except csv.Error as exc:
        raise FileError(f"{name}:{last + 1}: unreadable CSV ({exc})") from None
    frame = pd.DataFrame(rows, columns=header, dtype=object) if rows else pd.DataFrame(columns=header)
    frame = frame.astype(str) if len(frame) else frame
    frame[ROW] = np.asarray(starts, dtype=np.int64)
    return Foreign(name, frame, None, problems)


# Spreadsheets -----------------------------------------------------------------


def _read_sheet(path: Path, name: str, layer: str | None) -> Foreign:
    try:
        sheets = pd.read_excel(path, sheet_name=None if layer is None else layer, dtype=str,
                               keep_default_na=False, engine="openpyxl")
    except (ValueError, KeyError, OSError, zipfile.BadZipFile) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise FileError(f"{name}: unreadable spreadsheet: {first}") from None
    if isinstance(sheets, dict):
        filled = {k: v for k, v in sheets.items() if not v.empty}
        if len(filled) > 1:
            raise FileError(f"{name}: several sheets ({', '.join(filled)}); choose one with --layer")
        layer, frame = next(iter(filled.items())) if filled else (next(iter(sheets)), pd.DataFrame())
    else:
        frame = sheets
    frame = frame.astype(object).where(frame.notna(), "").astype(str)
    frame.columns = [str(c).strip() for c in frame.columns]
    frame[ROW] = np.arange(2, len(frame) + 2, dtype=np.int64)
    return Foreign(name, frame, None, [], str(layer))


# Vector layers ----------------------------------------------------------------


def _zip_member(path: Path, name: str, layer: str | None) -> tuple[str, str | None]:
    """The GDAL path of the dataset inside a zip file, and the layer left to choose."""
    try:
        with zipfile.ZipFile(path) as zf:
            members = [m for m in zf.namelist() if m.lower().endswith(_ZIP_MEMBERS)
                       and not m.startswith("__MACOSX/")]
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileError(f"{name}: not a readable zip file ({exc})") from None
    if layer is not None:
        chosen = [m for m in members if m == layer or Path(m).stem == layer or Path(m).name == layer]
        if not chosen:
            raise FileError(f"{name}: no member {layer!r} (members: {', '.join(members) or 'none'})")
        return f"/vsizip/{path}/{chosen[0]}", None
    if not members:
        raise FileError(f"{name}: the zip holds no shapefile, GeoPackage, GeoJSON, FlatGeobuf or CSV")
    if len(members) > 1:
        raise FileError(f"{name}: several datasets in the zip ({', '.join(members)}); "
                        "choose one with --layer")
    return f"/vsizip/{path}/{members[0]}", None


def _layers(source: str) -> list[str]:
    import pyogrio

    try:
        return [str(row[0]) for row in pyogrio.list_layers(source)]
    except Exception:  # the bulk read below reports why the file cannot be opened
        return []


def _read_vector(path: Path, name: str, layer: str | None, encoding: str | None) -> Foreign:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return _read_parquet(path, name)
    source = str(path)
    if suffix == ".zip":
        source, layer = _zip_member(path, name, layer)
        if source.lower().endswith(".csv"):
            raise FileError(f"{name}: unzip the CSV and import it directly")
    layers = _layers(source)
    if layer is None and len(layers) > 1:
        raise FileError(f"{name}: several layers ({', '.join(layers)}); choose one with --layer")
    if layer is not None and layers and layer not in layers:
        raise FileError(f"{name}: no layer {layer!r} (layers: {', '.join(layers)})")
    kwargs = {"encoding": encoding} if encoding else {}
    try:
        gdf = gpd.read_file(source, layer=layer, engine="pyogrio", **kwargs)
        problems: list[Problem] = []
        rows = np.arange(1, len(gdf) + 1, dtype=np.int64)
    except Exception:  # GDAL refuses the layer as a whole: read it feature by feature
        gdf, rows, problems = _read_features(source, name, layer, encoding)
    return _finish(gdf, rows, problems, name, layer)


def _read_features(source: str, name: str, layer: str | None, encoding: str | None
                   ) -> tuple[gpd.GeoDataFrame, np.ndarray, list[Problem]]:
    """Read a layer record by record with fiona, keeping every feature that parses."""
    import fiona
    from fiona.errors import FionaError

    problems: list[Problem] = []
    records: list[dict] = []
    geoms: list = []
    rows: list[int] = []
    kwargs = {"encoding": encoding} if encoding else {}
    try:
        with fiona.open(source, layer=layer, **kwargs) as src:
            crs = src.crs.to_string() if src.crs else None
            features = iter(src)
            number = 0
            while True:
                number += 1
                try:
                    feature = next(features)
                except StopIteration:
                    break
                except (FionaError, ValueError, KeyError, TypeError, RuntimeError) as exc:
                    problems.append(Problem(name, number, "geometry", f"unreadable feature: {exc}"))
                    continue
                try:
                    geom = shapely.geometry.shape(feature.geometry) if feature.geometry else None
                except (ValueError, TypeError, AttributeError, shapely.errors.ShapelyError) as exc:
                    problems.append(Problem(name, number, "geometry", f"unreadable geometry: {exc}"))
                    continue
                records.append(dict(feature.properties))
                geoms.append(geom)
                rows.append(number)
    except (FionaError, OSError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise FileError(f"{name}: unreadable: {first}") from None
    gdf = gpd.GeoDataFrame(pd.DataFrame.from_records(records), geometry=geoms, crs=crs)
    return gdf, np.asarray(rows, dtype=np.int64), problems


def _read_parquet(path: Path, name: str) -> Foreign:
    try:
        gdf = gpd.read_parquet(path)
    except ValueError:  # plain Parquet, no geometry metadata
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # Arrow raises many kinds
            raise FileError(f"{name}: unreadable Parquet: {str(exc).splitlines()[0]}") from None
        return _finish(frame, np.arange(1, len(frame) + 1), [], name, None)
    except Exception as exc:  # Arrow raises many kinds
        raise FileError(f"{name}: unreadable Parquet: {str(exc).splitlines()[0]}") from None
    return _finish(gdf, np.arange(1, len(gdf) + 1), [], name, None)


def _text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as text; nulls as ""; whole-number floats without a trailing .0."""
    out = {}
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_float_dtype(s):
            whole = s.notna() & np.isfinite(s) & (s % 1 == 0) & (s.abs() < 1e15)
            text = s.astype(object).where(s.notna(), "").astype(str)
            text[whole] = s[whole].astype(np.int64).astype(str)
            out[str(col)] = text
        elif pd.api.types.is_datetime64_any_dtype(s):
            out[str(col)] = s.dt.strftime("%Y-%m-%d").where(s.notna(), "")
        else:
            out[str(col)] = s.astype(object).where(s.notna(), "").astype(str)
    return pd.DataFrame(out, index=frame.index)


def _finish(frame: pd.DataFrame, rows: np.ndarray, problems: list[Problem], name: str,
            layer: str | None) -> Foreign:
    geometry = None
    source_crs = None
    if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame.columns:
        geom = frame.geometry
        if geom.crs is None and geom.notna().any():
            raise FileError(f"{name}: the layer has no CRS; cannot place its features "
                            "(define one, e.g. ogr2ogr -a_srs EPSG:4326)")
        source_crs = geom.crs.to_string() if geom.crs is not None else None
        geom = geom.set_crs(WGS84) if geom.crs is None else geom
        geom = gpd.GeoSeries(shapely.force_2d(geom.values), crs=geom.crs, index=geom.index)
        geometry = geom.to_crs(WGS84).reset_index(drop=True)
        frame = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    cells = _text(frame.reset_index(drop=True))
    cells[ROW] = np.asarray(rows, dtype=np.int64)
    return Foreign(name, cells, geometry, problems, layer, source_crs)
