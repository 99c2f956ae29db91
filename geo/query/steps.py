"""The steps of a query: each takes the sites and returns those that pass, with the
columns it used (so a result says *why* each site is in it).

A step is a plain function ``(sites, query, layers) -> sites``; it reads only the
rows it is given, so an engine may run it over any partition of the sites.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.core.errors import ArgumentError, CoverageWarning
from geo.core.vocab import normalise_stage
from geo.facts.permits import entered_between, fast_tracked, stage_at
from geo.facts.select import filter_sites
from geo.query.conditions import Query, QueryLayers
from geo.spatial.coverage import footprint, outside_coverage
from geo.spatial.federal import distance_to_land, on_federal_land
from geo.spatial.infrastructure import PLANTS_SOURCE, nearest_infrastructure

Step = Callable[[gpd.GeoDataFrame, Query, QueryLayers], gpd.GeoDataFrame]


def attributes(sites, q: Query, layers: QueryLayers):
    """Commodity, country and type filters."""
    return filter_sites(sites, commodity=q.commodity, country=q.country, type=q.type).copy()


def stage(sites, q: Query, layers: QueryLayers):
    """``stage_on``/``stage_since``/``days_in_stage`` from the history; keep ``q.stage``."""
    out = sites.copy()
    if layers.events is not None and len(out):
        history = stage_at(layers.events, q.on)
        out["stage_on"] = out["id"].map(history["stage"]).astype("string")
        out["stage_since"] = out["id"].map(history["since"])
        out["days_in_stage"] = out["id"].map(history["days_in_stage"])
        # A history that starts after q.on says "unknown before <date>", not "not in permitting".
        out["stage_note"] = out["id"].map(history["stage_note"]).astype("string")
        if q.on is None:
            out["stage_on"] = out["stage_on"].fillna(out["stage"].astype("string"))
    elif "stage" in out:
        out["stage_on"] = out["stage"].astype("string") if q.on is None else pd.NA
    if q.stage is not None:
        out = out[out["stage_on"] == normalise_stage(q.stage)]
    return out


def entered(sites, q: Query, layers: QueryLayers):
    """Keep sites that entered ``q.entered[0]`` between its dates; ``entered_on``."""
    if q.entered is None:
        return sites
    if layers.events is None:
        raise ArgumentError("--entered needs the stage history (stage_events.csv)")
    hit = entered_between(layers.events, *q.entered)
    first = hit.groupby("site_id")["date"].min()
    out = sites[sites["id"].isin(first.index)].copy()
    out["entered_on"] = out["id"].map(first)
    return out


def fast41(sites, q: Query, layers: QueryLayers):
    """``fast41_status``/``fast41_added``; keep FAST-41 projects if asked."""
    out = sites
    if layers.fast41 is not None:
        out = sites.copy()
        ft = fast_tracked(layers.fast41)
        out["fast41_status"] = out["id"].map(ft["fast41_status"]).astype("string")
        out["fast41_added"] = out["id"].map(ft["fast41_added"])
    if q.fast_tracked:
        if layers.fast41 is None:
            raise ArgumentError("fast-tracked needs the FAST-41 list (fast41.csv)")
        out = out[out["fast41_status"].notna()]
    return out


def _land_check(row: pd.Series) -> str:
    recorded = row.get("recorded_land_status")
    if not isinstance(recorded, str):
        return "no record"
    spatial = bool(row.get("on_federal_land"))
    if recorded in ("federal", "mixed") and not spatial:
        agency = row.get("recorded_agency")
        return f"disagrees: recorded {recorded} ({agency}) but the site point is on no federal land given"
    if recorded in ("private", "state", "tribal") and spatial:
        return f"disagrees: recorded {recorded} but the site point is on {row.get('federal_agency')} land"
    return "agrees"


def federal_land(sites, q: Query, layers: QueryLayers):
    """``federal_agency``/``federal_unit``/``on_federal_land``, metres to the nearest
    (agency's) land, the recorded land status beside them; keep on/off as asked."""
    land = layers.federal_land
    if q.wants_federal_land and land is None:
        raise ArgumentError("--on-federal-land needs a federal-land layer (--federal-land FILE)")
    if land is None or not len(sites):
        return sites
    agency = None if q.on_federal_land in (None, "any") else q.on_federal_land
    if isinstance(land, gpd.GeoDataFrame):
        out = sites.join(on_federal_land(sites, land))
        cells = footprint(land.geometry.values)
        out["dist_federal_land_m"] = distance_to_land(out, land, agency)["distance_m"]
    else:  # land that stays in a database answers there (geo.facts.store.land.PostgisLand)
        out = sites.join(land.on_federal_land(sites))
        cells = land.footprint()
        out["dist_federal_land_m"] = land.distance_m(out, agency)
    out["federal_land_outside_coverage"] = _coverage(out, cells, "the federal-land layer")
    if layers.land_status is not None:
        rec = layers.land_status.set_index("site_id")
        out["recorded_land_status"] = out["id"].map(rec["status"])
        out["recorded_agency"] = out["id"].map(rec["agency"])
        out["recorded_unit"] = out["id"].map(rec["unit"])
        out["land_status_check"] = out.apply(_land_check, axis=1)
    if q.on_federal_land is not None:
        if agency is None:
            out = out[out["on_federal_land"]]
        else:
            out = out[out["federal_agency"].fillna("").str.split(";").map(lambda a: agency in a)]
    if q.off_federal_land:
        out = out[~out["on_federal_land"]]
    return out


def _coverage(sites, cells: np.ndarray, what: str) -> np.ndarray:
    """Per site, whether it lies outside a layer's footprint ``cells``; a warning naming them."""
    wgs = sites.geometry.to_crs("EPSG:4326") if sites.crs is not None else sites.geometry
    outside = outside_coverage(wgs.x.to_numpy(), wgs.y.to_numpy(), None, cells=cells)
    if outside.any():
        names = sites["id"].to_numpy()[outside] if "id" in sites.columns else np.flatnonzero(outside)
        more = f" and {len(names) - 5} more" if len(names) > 5 else ""
        warnings.warn(CoverageWarning(
            f"{int(outside.sum())} site(s) lie outside the area {what} covers, so its answer there "
            f"is not evidence: {', '.join(map(str, names[:5]))}{more}"), stacklevel=3)
    return outside


def _option(klass: str) -> str:
    return {"rail": "rail", "road": "roads", "port": "ports", "power": "power"}.get(klass, "infrastructure")


def infrastructure(sites, q: Query, layers: QueryLayers):
    """``dist_<class>_m``/``nearest_<class>`` for each class asked; keep near/farther."""
    out = sites
    for klass, metres, keep_near in [(k, v, False) for k, v in q.farther_than.items()] + [
            (k, v, True) for k, v in q.near.items()]:
        infra = layers.infrastructure
        if infra is None or not (infra["class"] == klass).any():
            raise ArgumentError(
                f"no {klass} features to measure against: give a file (e.g. --{_option(klass)} FILE)")
        col = f"dist_{klass}_m"
        if col not in out:
            out = out.copy()
            res = nearest_infrastructure(out, infra, klass, k=1).set_index("site")
            out[col] = res["distance_m"].reindex(out.index)
            out[f"nearest_{klass}"] = res["name"].reindex(out.index)
            of_class = (infra["class"] == klass).to_numpy()
            # minetrack's own plants are a world-wide register, not an extract: they cover
            # every site. Any file of the class the user added is judged by its footprint.
            files = of_class & (infra["source"] != PLANTS_SOURCE).to_numpy()
            if files.any():
                out[f"{klass}_outside_coverage"] = _coverage(
                    out, footprint(infra.geometry.values[files]), f"the {klass} layer")
        d = out[col].to_numpy(dtype=float)
        out = out[(d <= metres) if keep_near else (np.isnan(d) | (d > metres))]
    return out


STEPS: tuple[Step, ...] = (attributes, stage, entered, fast41, federal_land, infrastructure)
"""The steps in the order they run: cheap attribute filters first, distances last."""
