"""Federal land kept in a store, and the federal-land query run where the land is.

``minetrack store land STORE FILE`` puts a federal-land file (PAD-US, BLM SMA...) in the
store as the ``federal_land`` layer, in the schema of :mod:`geo.io.federal_land`. A query
that reads that store then needs no ``--federal-land`` file: on a GeoPackage the layer is
read into the geopandas path; on PostGIS the land stays in the database and
:class:`PostgisLand` answers with SQL (``ST_Intersects`` for "on", ``ST_Distance`` on
geography for metres), so a national PAD-US never has to fit in the client's memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.core.errors import ArgumentError

if TYPE_CHECKING:
    from geo.facts.store.tracker import Store

LAND_TABLE = "federal_land"

_TEXT = ("agency", "manager_type", "owner", "unit_name", "designation", "gap_status", "source")


def load_land(store: Store, path: Path | str, layer: str | None = None) -> int:
    """Replace the store's federal-land layer with a federal-land file's federal rows
    (read, normalised and repaired by :func:`~geo.io.federal_land.read_federal_land`).
    Returns the number of polygons stored."""
    from geo.io.federal_land import read_federal_land

    if store.readonly:
        raise ArgumentError(f"{store.name}: the store is open read-only")
    land = read_federal_land(path, layer)
    land["geometry"] = shapely.force_2d(land.geometry.values)
    return store._db.write_land(land, LAND_TABLE)


def read_land(store: Store) -> gpd.GeoDataFrame | None:
    """The store's federal-land layer (EPSG:4326), or None if it has none."""
    return store._db.read_land(LAND_TABLE)


class PostgisLand:
    """The federal-land layer of a PostGIS store, queried in place. Stands in for the
    land GeoDataFrame in :class:`~geo.query.conditions.QueryLayers`; holds only the
    URL, so a dask worker opens its own connection."""

    def __init__(self, url: str):
        self.url = url

    def _rows(self, sql: str, params: list) -> list[tuple]:
        from geo.facts.store.backends.postgis import PostgisBackend

        db = PostgisBackend(self.url)
        with db.connect(readonly=True) as conn:
            return conn.execute(sql, params).fetchall()

    @staticmethod
    def _points(sites: gpd.GeoDataFrame) -> list:
        pts = sites.to_crs("EPSG:4326").geometry.values
        return [list(range(len(pts))), shapely.get_x(pts).tolist(), shapely.get_y(pts).tolist()]

    _SITES = ("unnest(?::int[], ?::float8[], ?::float8[]) AS s(i, x, y)")
    _POINT = "ST_SetSRID(ST_MakePoint(s.x, s.y), 4326)"

    def on_federal_land(self, sites: gpd.GeoDataFrame) -> pd.DataFrame:
        """As :func:`geo.spatial.federal.on_federal_land`, by ``ST_Intersects``."""
        from geo.spatial.federal import land_hits

        rows = self._rows(f"SELECT s.i, l.agency, coalesce(l.unit_name, '') FROM {self._SITES} "
                          f"JOIN {LAND_TABLE} l ON ST_Intersects(l.geom, {self._POINT})",
                          self._points(sites))
        hits = np.array(rows, dtype=object).reshape(-1, 3)
        return land_hits(sites.index, hits[:, 0].astype(np.int64), hits[:, 1], hits[:, 2])

    def distance_m(self, sites: gpd.GeoDataFrame, agency: str | None = None) -> pd.Series:
        """Geodesic metres (WGS 84 spheroid) to the nearest land (of ``agency``); 0 on it."""
        from geo.core.vocab import check_agency

        where, params = "", self._points(sites)
        if agency not in (None, "any"):
            where, params = "WHERE l.agency = ?", [*params, check_agency(agency)]
        pt, parts = self._POINT, f"{LAND_TABLE}_parts"
        # Two steps, exact: the piece nearest in degrees gives an upper bound d0 on the
        # geodesic distance; then every piece whose box lies within d0 (a conservative box
        # in degrees) is measured on the spheroid and the least distance kept.
        sql = (f"SELECT s.i, (SELECT min(ST_Distance(p.geom::geography, {pt}::geography)) "
               f"FROM {parts} p WHERE p.geom && ST_Expand({pt}, "
               f"b.d0 / (111000 * cos(radians(least(abs(s.y) + b.d0 / 110000, 89.9)))) + 1e-9, "
               f"b.d0 / 110000 + 1e-9) {where.replace('WHERE l.', 'AND p.')}) "
               f"FROM {self._SITES} CROSS JOIN LATERAL "
               f"(SELECT ST_Distance(l.geom::geography, {pt}::geography) AS d0 FROM {parts} l "
               f"{where} ORDER BY l.geom <-> {pt} LIMIT 1) b")
        if where:  # the agency appears twice: in the measuring subquery and in the bound
            params = [params[3], *params[:3], params[3]]
        out = pd.Series(np.nan, index=sites.index, dtype=float)
        rows = self._rows(sql, params)
        if rows:
            i, m = np.array(rows, dtype=object).T
            out.iloc[i.astype(np.int64)] = np.array(m, dtype=float)
        return out

    def footprint(self) -> np.ndarray:
        """The coverage cells of the layer (:func:`~geo.spatial.coverage.footprint`)."""
        from geo.spatial.coverage import footprint_of_bounds

        rows = self._rows(f"SELECT ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom) "
                          f"FROM {LAND_TABLE}", [])
        return footprint_of_bounds(np.array(rows, dtype=float))
