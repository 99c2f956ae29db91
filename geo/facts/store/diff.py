"""What changed between two releases of a store: one row per change, by kind.

Kinds: ``added`` and ``removed`` sites, ``stage``, ``sources`` (citations added),
``owner`` (a stake bought, sold or resized), ``capacity`` (capacity, its unit, basis or
year, or a capacity-by-year figure), ``production`` (an output figure of a year added,
removed or changed), ``moved`` (the point moved by more than the threshold, geodesic
metres on WGS 84), and ``field`` for any other column.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Geod

DIFF_COLUMNS = ("kind", "site_id", "name", "field", "old", "new", "moved_m")
_CAPACITY = ("capacity", "capacity_unit", "capacity_basis", "capacity_year")
_KIND = {"stage": "stage", "sources": "sources", **{c: "capacity" for c in _CAPACITY}}
_GEOD = Geod(ellps="WGS84")
_OUTPUT_KEY = ["site", "year", "commodity", "basis"]


def diff_releases(a: pd.DataFrame, b: pd.DataFrame, own_a: pd.DataFrame, own_b: pd.DataFrame,
                  *, moved_over_m: float = 500.0, output_a: pd.DataFrame | None = None,
                  output_b: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """Changes from sites ``a`` to ``b`` (text cells in site columns), their stakes and,
    when given, their production tables (``output_a``, ``output_b``: text cells in the
    columns of ``production.csv``; a figure restated in another unit is no change).

    Returns a GeoDataFrame (EPSG:4326, the point in ``b``, or in ``a`` for a removed
    site) with :data:`DIFF_COLUMNS`, sorted by site and kind.
    """
    a, b = a.set_index("id", drop=False), b.set_index("id", drop=False)
    rows: list[dict] = []
    for sid in b.index.difference(a.index):
        rows.append({"kind": "added", "site_id": sid, "name": b.at[sid, "name"], "field": "",
                     "old": "", "new": b.at[sid, "stage"], "moved_m": np.nan, "_from": "b"})
    for sid in a.index.difference(b.index):
        rows.append({"kind": "removed", "site_id": sid, "name": a.at[sid, "name"], "field": "",
                     "old": a.at[sid, "stage"], "new": "", "moved_m": np.nan, "_from": "a"})
    both = a.index.intersection(b.index)
    a2, b2 = a.loc[both], b.loc[both]
    for col in a.columns:
        if col in ("id", "latitude", "longitude"):
            continue
        differs = a2[col].to_numpy() != b2[col].to_numpy()
        for sid in both[differs]:
            rows.append({"kind": _KIND.get(col, "field"), "site_id": sid, "name": b.at[sid, "name"],
                         "field": col, "old": a.at[sid, col], "new": b.at[sid, col],
                         "moved_m": np.nan, "_from": "b"})
    lon_a, lat_a = (pd.to_numeric(a2[c]).to_numpy(float) for c in ("longitude", "latitude"))
    lon_b, lat_b = (pd.to_numeric(b2[c]).to_numpy(float) for c in ("longitude", "latitude"))
    dist = _GEOD.inv(lon_a, lat_a, lon_b, lat_b)[2] if len(both) else np.array([])
    for k in np.flatnonzero(dist > moved_over_m):
        sid = both[k]
        rows.append({"kind": "moved", "site_id": sid, "name": b.at[sid, "name"], "field": "location",
                     "old": f"{a.at[sid, 'latitude']}, {a.at[sid, 'longitude']}",
                     "new": f"{b.at[sid, 'latitude']}, {b.at[sid, 'longitude']}",
                     "moved_m": round(float(dist[k]), 1), "_from": "b"})
    rows += _stakes(own_a, own_b, a, b)
    if output_a is not None and output_b is not None:
        rows += _output(output_a, output_b, a, b)
    frame = pd.DataFrame(rows, columns=[*DIFF_COLUMNS, "_from"])
    src = np.where(frame["_from"] == "a", "a", "b")
    where = [(a if s == "a" else b, i) for s, i in zip(src, frame["site_id"], strict=True)]
    lon = [float(t.at[i, "longitude"]) for t, i in where]
    lat = [float(t.at[i, "latitude"]) for t, i in where]
    out = gpd.GeoDataFrame(frame.drop(columns="_from"), geometry=gpd.points_from_xy(lon, lat),
                           crs="EPSG:4326")
    return out.sort_values(["site_id", "kind", "field"], kind="stable").reset_index(drop=True)


def _stakes(own_a: pd.DataFrame, own_b: pd.DataFrame, a: pd.DataFrame, b: pd.DataFrame) -> list[dict]:
    pct_a = own_a.set_index(["site_id", "owner_id"])["equity_pct"] if len(own_a) else pd.Series(dtype=object)
    pct_b = own_b.set_index(["site_id", "owner_id"])["equity_pct"] if len(own_b) else pd.Series(dtype=object)
    out = []
    for key in sorted(set(pct_a.index) | set(pct_b.index)):
        old, new = pct_a.get(key, ""), pct_b.get(key, "")
        if old != "" and new != "" and float(old) == float(new):
            continue
        sid, owner = key
        where = b if sid in b.index else a
        if sid not in where.index:
            continue
        out.append({"kind": "owner", "site_id": sid, "name": where.at[sid, "name"],
                    "field": f"stake:{owner}", "old": old, "new": new, "moved_m": np.nan,
                    "_from": "b" if sid in b.index else "a"})
    return out


def _output(out_a: pd.DataFrame, out_b: pd.DataFrame, a: pd.DataFrame, b: pd.DataFrame) -> list[dict]:
    from geo.facts.production import UNITS

    def keyed(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.assign(commodity=frame["commodity"].str.lower(),
                             tonnes=pd.to_numeric(frame["quantity"]) * frame["unit"].map(UNITS),
                             text=frame["quantity"] + " " + frame["unit"])
        return frame.set_index(_OUTPUT_KEY)[["tonnes", "text"]]

    ka, kb = keyed(out_a), keyed(out_b)
    both = ka.merge(kb, how="outer", left_index=True, right_index=True, suffixes=("_a", "_b"))
    same = np.isclose(both["tonnes_a"], both["tonnes_b"], rtol=1e-9, atol=0.0)
    out = []
    for (sid, year, commodity, basis), row in both[~same].iterrows():
        where = b if sid in b.index else a
        if sid not in where.index:
            continue
        out.append({"kind": "capacity" if basis == "capacity" else "production", "site_id": sid,
                    "name": where.at[sid, "name"], "field": f"production:{year}:{commodity}:{basis}",
                    "old": "" if pd.isna(row["text_a"]) else row["text_a"],
                    "new": "" if pd.isna(row["text_b"]) else row["text_b"], "moved_m": np.nan,
                    "_from": "b" if sid in b.index else "a"})
    return out


def diff_html(changes: gpd.GeoDataFrame, title: str) -> str:
    """A self-contained HTML table of a diff (every cell escaped; deterministic)."""
    from html import escape

    head = "".join(f"<th>{escape(c)}</th>" for c in DIFF_COLUMNS)
    body = "\n".join(
        "<tr>" + "".join(f"<td>{escape('' if pd.isna(v) else str(v))}</td>"
                         for v in row) + "</tr>"
        for row in changes[list(DIFF_COLUMNS)].itertuples(index=False, name=None))
    return (f"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{escape(title)}"
            f"</title><style>table{{border-collapse:collapse}}td,th{{border:1px solid #999;"
            f"padding:2px 6px}}</style></head><body><h1>{escape(title)}</h1>"
            f"<p>{len(changes)} changes</p><table><thead><tr>{head}</tr></thead><tbody>\n{body}\n"
            f"</tbody></table></body></html>\n")
