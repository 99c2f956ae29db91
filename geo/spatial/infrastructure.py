"""Distances from sites to infrastructure (rail, roads, ports, power, smelters...).

Infrastructure layers come in one schema from :mod:`geo.io.infrastructure`
(``class``, ``subclass``, ``name``, ``source``, ``source_row``; EPSG:4326).
Distances are geodesic metres on WGS 84 (:mod:`geo.spatial.nearest`), whatever CRS
the sites arrive in.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geo.core.vocab import check_class
from geo.io.infrastructure import infrastructure_frame
from geo.spatial.nearest import FeatureIndex

PLANTS_SOURCE = "minetrack sites"
"""``source`` of the rows :func:`plants_as_infrastructure` makes."""


def plants_as_infrastructure(sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """minetrack's smelters and refineries (a smelter+refinery counts as both)."""
    rows = []
    for klass, types in (
        ("smelter", ("smelter", "smelter+refinery")),
        ("refinery", ("refinery", "smelter+refinery")),
    ):
        part = sites[sites["type"].isin(types)]
        rows.append(
            infrastructure_frame(
                part.to_crs("EPSG:4326").geometry.values,
                klass,
                part["type"].to_numpy(),
                part["name"].to_numpy(),
                PLANTS_SOURCE,
                part["id"].to_numpy(),
            )
        )
    return gpd.GeoDataFrame(pd.concat(rows, ignore_index=True), geometry="geometry", crs="EPSG:4326")


def nearest_infrastructure(
    sites: gpd.GeoDataFrame,
    infrastructure: gpd.GeoDataFrame,
    klass: str | None = None,
    k: int = 1,
    max_distance_m: float | None = None,
) -> pd.DataFrame:
    """The ``k`` nearest features (of ``klass``) to each site, in geodesic metres.

    One row per (site, rank) with ``site`` (the site's index label), ``rank`` (1 =
    nearest), ``distance_m``, ``class``, ``subclass``, ``name``, ``source`` and
    ``source_row`` of the feature, and ``near_lon``/``near_lat`` (the closest point
    on it). A site itself in the layer (a smelter among smelters) is not its own
    neighbour when the layer carries minetrack ids.
    """
    infra = infrastructure
    if klass:
        infra = infra[infra["class"] == check_class(klass)]
    infra = infra.reset_index(drop=True)
    cols = [
        "site",
        "rank",
        "distance_m",
        "class",
        "subclass",
        "name",
        "source",
        "source_row",
        "near_lon",
        "near_lat",
    ]
    if not len(infra) or not len(sites):
        return pd.DataFrame(columns=cols)
    pts = sites.to_crs("EPSG:4326").geometry.values
    self_match = "id" in sites.columns and (infra["source"] == "minetrack sites").any()
    res = FeatureIndex(infra.geometry.values).query(pts, k=k + int(self_match), max_distance_m=max_distance_m)
    frame = res.frame()
    if self_match:
        same = infra["source_row"].to_numpy()[frame["feature"]] == sites["id"].to_numpy()[frame["point"]]
        frame = frame[~same]
        frame["rank"] = frame.groupby("point").cumcount()
        frame = frame[frame["rank"] < k]
    feat = infra.iloc[frame["feature"].to_numpy()]
    out = pd.DataFrame(
        {
            "site": sites.index.to_numpy()[frame["point"].to_numpy()],
            "rank": frame["rank"].to_numpy() + 1,
            "distance_m": frame["distance_m"].to_numpy(),
            "class": feat["class"].to_numpy(),
            "subclass": feat["subclass"].to_numpy(),
            "name": feat["name"].to_numpy(),
            "source": feat["source"].to_numpy(),
            "source_row": feat["source_row"].to_numpy(),
            "near_lon": frame["near_lon"].to_numpy(),
            "near_lat": frame["near_lat"].to_numpy(),
        }
    )
    return out[cols].reset_index(drop=True)
