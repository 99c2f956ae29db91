"""Composable site queries: stage and its history, FAST-41, federal land,
distance to infrastructure, commodity, country... in one call.

:func:`query_sites` filters a sites GeoDataFrame and adds a column for every
question asked (so a result says *why* each site is in it): ``stage_on``/
``stage_since``/``days_in_stage`` from the stage history, ``fast41_status``,
``federal_agency``/``federal_unit`` and the recorded land status beside them,
``dist_<class>_m``/``nearest_<class>`` for each infrastructure class. Distances are
geodesic metres on WGS 84 (:mod:`geo.nearest`), whatever CRS the layers come in.
"""

from __future__ import annotations

import re
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd

from .federal import check_agency, distance_to_land, on_federal_land
from .infrastructure import check_class, nearest_infrastructure
from .permits import entered_between, fast_tracked, stage_at
from .schema import STAGES, normalise_stage
from .select import filter_sites

_UNITS = {"m": 1.0, "km": 1000.0, "mi": 1609.344, "nmi": 1852.0}


def parse_distance(text: str) -> float:
    """Metres for ``"50km"``, ``"200 km"``, ``"750m"``, ``"30mi"``; a unit is required."""
    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*(m|km|mi|nmi)\s*", str(text).lower())
    if not m:
        raise ValueError(f"not a distance: {text!r} (say e.g. 50km, 750m or 30mi)")
    return float(m.group(1)) * _UNITS[m.group(2)]


def parse_class_distance(text: str) -> tuple[str, float]:
    """``"rail:50km"`` -> ``("rail", 50000.0)``."""
    if ":" not in str(text):
        raise ValueError(f"expected CLASS:DISTANCE such as rail:50km, got {text!r}")
    klass, dist = str(text).split(":", 1)
    return check_class(klass), parse_distance(dist)


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


def query_sites(
    sites: gpd.GeoDataFrame,
    *,
    stage: str | None = None,
    on: date | str | None = None,
    entered: tuple[str, date | str, date | str] | None = None,
    fast_tracked_only: bool = False,
    on_federal_land_of: str | None = None,
    off_federal_land: bool = False,
    farther_than: dict[str, float] | None = None,
    near: dict[str, float] | None = None,
    commodity: str | list[str] | None = None,
    country: str | list[str] | None = None,
    type: str | list[str] | None = None,
    federal_land: gpd.GeoDataFrame | None = None,
    infrastructure: gpd.GeoDataFrame | None = None,
    events: pd.DataFrame | None = None,
    fast41: pd.DataFrame | None = None,
    land_status: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Sites matching every condition given, with a column for each question.

    Parameters
    ----------
    stage:
        Keep sites at this stage: on ``on`` (a date) from the stage history, else
        now (the history's last stage where there is one, else the site's ``stage``).
    entered:
        ``(stage, start, end)``: keep sites whose history shows them entering
        ``stage`` between the two dates.
    fast_tracked_only:
        Keep FAST-41 covered or transparency projects.
    on_federal_land_of:
        ``"any"`` or an agency code (BLM, USFS, NPS, DOD...): keep sites on such land
        (needs ``federal_land``). ``off_federal_land`` keeps the others.
    farther_than, near:
        ``{class: metres}``: keep sites whose nearest feature of the class is farther
        than / within the distance (needs ``infrastructure`` with that class).
    """
    out = filter_sites(sites, commodity=commodity, country=country, type=type).copy()
    if events is not None and len(out):
        history = stage_at(events, on)
        out["stage_on"] = out["id"].map(history["stage"]).astype("string")
        out["stage_since"] = out["id"].map(history["since"])
        out["days_in_stage"] = out["id"].map(history["days_in_stage"])
        if on is None:
            out["stage_on"] = out["stage_on"].fillna(out["stage"].astype("string"))
    elif "stage" in out:
        out["stage_on"] = out["stage"].astype("string") if on is None else pd.NA
    if stage is not None:
        slug = normalise_stage(stage)
        if slug is None:
            raise ValueError(f"unknown stage {stage!r}; one of: {', '.join(STAGES)}")
        out = out[out["stage_on"] == slug]
    if entered is not None:
        if events is None:
            raise ValueError("--entered needs the stage history (stage_events.csv)")
        hit = entered_between(events, *entered)
        first = hit.groupby("site_id")["date"].min()
        out = out[out["id"].isin(first.index)].copy()
        out["entered_on"] = out["id"].map(first)
    if fast41 is not None:
        ft = fast_tracked(fast41)
        out["fast41_status"] = out["id"].map(ft["fast41_status"]).astype("string")
        out["fast41_added"] = out["id"].map(ft["fast41_added"])
    if fast_tracked_only:
        if fast41 is None:
            raise ValueError("fast-tracked needs the FAST-41 list (fast41.csv)")
        out = out[out["fast41_status"].notna()]
    if (on_federal_land_of is not None or off_federal_land) and federal_land is None:
        raise ValueError("--on-federal-land needs a federal-land layer (--federal-land FILE)")
    if federal_land is not None and len(out):
        agency = None if on_federal_land_of in (None, "any") else check_agency(on_federal_land_of)
        fed = on_federal_land(out, federal_land)
        out = out.join(fed)
        near_fed = distance_to_land(out, federal_land, agency)
        out["dist_federal_land_m"] = near_fed["distance_m"]
        if land_status is not None:
            rec = land_status.set_index("site_id")
            out["recorded_land_status"] = out["id"].map(rec["status"])
            out["recorded_agency"] = out["id"].map(rec["agency"])
            out["recorded_unit"] = out["id"].map(rec["unit"])
            out["land_status_check"] = out.apply(_land_check, axis=1)
        if on_federal_land_of is not None:
            if agency is None:
                out = out[out["on_federal_land"]]
            else:
                out = out[out["federal_agency"].fillna("").str.split(";").map(lambda a: agency in a)]
        if off_federal_land:
            out = out[~out["on_federal_land"]]
    for klass, metres, keep_near in [(k, v, False) for k, v in (farther_than or {}).items()] + [
        (k, v, True) for k, v in (near or {}).items()
    ]:
        if infrastructure is None or not (infrastructure["class"] == klass).any():
            raise ValueError(
                f"no {klass} features to measure against: give a file (e.g. --{_option(klass)} FILE)"
            )
        col = f"dist_{klass}_m"
        if col not in out:
            res = nearest_infrastructure(out, infrastructure, klass, k=1)
            res = res.set_index("site")
            out[col] = res["distance_m"].reindex(out.index)
            out[f"nearest_{klass}"] = res["name"].reindex(out.index)
        d = out[col].to_numpy(dtype=float)
        out = out[(d <= metres) if keep_near else (np.isnan(d) | (d > metres))]
    return gpd.GeoDataFrame(out, geometry=sites.geometry.name, crs=sites.crs)


def _option(klass: str) -> str:
    return {"rail": "rail", "road": "roads", "port": "ports", "power": "power"}.get(klass, "infrastructure")


def gather_layers(
    sites: gpd.GeoDataFrame,
    *,
    infrastructure_files: list[tuple[str, str | None]] = (),
    federal_files: list = (),
    layer_names: list[str] = (),
) -> tuple[gpd.GeoDataFrame | None, gpd.GeoDataFrame, dict[str, list[int]]]:
    """The layers a query measures against, in one call.

    ``infrastructure_files``: ``(path, class or None)`` pairs; ``federal_files``:
    federal-land files; ``layer_names``: infrastructure or federal-land layer specs
    read from the download cache. minetrack's own smelters and refineries (from
    ``sites``) are always infrastructure. Returns (federal land or None,
    infrastructure, rows repaired per federal source).
    """
    from .federal import read_federal_land
    from .infrastructure import plants_as_infrastructure, read_infrastructure
    from .layers import load_layer, load_layer_spec

    infra = [plants_as_infrastructure(sites)]
    infra += [read_infrastructure(path, klass=klass) for path, klass in infrastructure_files]
    federal, labels = [], []
    for name in layer_names:
        spec = load_layer_spec(name)
        if spec.kind == "infrastructure":
            infra.append(load_layer(spec))
        elif spec.kind == "federal-land":
            federal.append(load_layer(spec))
            labels.append(name)
        else:
            raise ValueError(f"layer {name!r} is {spec.kind}, not infrastructure or federal-land")
    federal += [read_federal_land(path) for path in federal_files]
    labels += [str(path) for path in federal_files]
    repaired = {
        label: layer.attrs.get("repaired_rows", []) for label, layer in zip(labels, federal, strict=True)
    }
    infrastructure = gpd.GeoDataFrame(
        pd.concat(infra, ignore_index=True), geometry="geometry", crs="EPSG:4326"
    )
    land = (
        gpd.GeoDataFrame(pd.concat(federal, ignore_index=True), geometry="geometry", crs="EPSG:4326")
        if federal
        else None
    )
    return land, infrastructure, {k: v for k, v in repaired.items() if v}


def result_map(result: gpd.GeoDataFrame, description: str):
    """A standalone map of a query result: sites coloured by stage, with the columns
    the query added in their popups."""
    from .layers import load_layer_spec
    from .render import points_map

    fields = tuple(
        c
        for c in (
            "name",
            "type",
            "stage_on",
            "stage_since",
            "fast41_status",
            "federal_agency",
            "federal_unit",
            "land_status_check",
            *[c for c in result.columns if c.startswith(("dist_", "nearest_"))],
        )
        if c in result.columns
    )
    shown = result.copy()
    for c in fields:
        shown[c] = shown[c].astype("string").fillna("")
    return points_map(
        shown,
        title="minetrack query",
        description=description,
        color_by="stage_on" if "stage_on" in shown else None,
        palette=load_layer_spec("sites").palettes.get("stage"),
        fields=fields,
        label="name",
        radius=6,
    )
