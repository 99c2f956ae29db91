"""What a query asks (:class:`Query`) and what it measures against (:class:`QueryLayers`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import geopandas as gpd
import pandas as pd

from geo.core.errors import ArgumentError
from geo.core.units import parse_class_distance
from geo.core.vocab import STAGES, check_agency, check_class, normalise_stage


def _metres(value: dict[str, float] | list[str] | tuple[str, ...] | None) -> dict[str, float]:
    """``{class: metres}`` from a dict, or from ``["rail:50km", ...]``."""
    if not value:
        return {}
    if isinstance(value, dict):
        return {check_class(k): float(v) for k, v in value.items()}
    return dict(parse_class_distance(v) for v in value)


@dataclass(frozen=True)
class Query:
    """The conditions of a site query; every one given must hold.

    Parameters
    ----------
    stage:
        At this stage: on ``on`` (a date) from the stage history, else now (the
        history's last stage where there is one, else the site's ``stage``).
    on:
        The date ``stage`` is asked about (default today).
    entered:
        ``(stage, start, end)``: entered ``stage`` between the two dates (inclusive).
    fast_tracked:
        A FAST-41 covered or transparency project.
    on_federal_land:
        ``"any"`` or an agency code (BLM, USFS, NPS, DOD...): on such land.
    off_federal_land:
        On none of the federal land given.
    farther_than, near:
        ``{class: metres}`` (or ``["rail:50km"]``): nearest feature of the class
        farther than / within the distance, geodesic metres on WGS 84.
    commodity, country, type:
        Attribute filters, one value, a list or ``"a,b"``.
    """

    stage: str | None = None
    on: date | str | None = None
    entered: tuple[str, date | str, date | str] | None = None
    fast_tracked: bool = False
    on_federal_land: str | None = None
    off_federal_land: bool = False
    farther_than: dict[str, float] = field(default_factory=dict)
    near: dict[str, float] = field(default_factory=dict)
    commodity: str | list[str] | None = None
    country: str | list[str] | None = None
    type: str | list[str] | None = None

    def __post_init__(self) -> None:
        # Checked here, once, so a typo fails before any layer is read.
        if self.stage is not None and normalise_stage(self.stage) is None:
            raise ArgumentError(f"unknown stage {self.stage!r}; one of: {', '.join(STAGES)}")
        if self.entered is not None:
            if len(self.entered) != 3:
                raise ArgumentError("entered takes (stage, start date, end date)")
            if normalise_stage(self.entered[0]) is None:
                raise ArgumentError(f"unknown stage {self.entered[0]!r}; one of: {', '.join(STAGES)}")
        if self.on_federal_land not in (None, "any"):
            object.__setattr__(self, "on_federal_land", check_agency(self.on_federal_land))
        object.__setattr__(self, "farther_than", _metres(self.farther_than))
        object.__setattr__(self, "near", _metres(self.near))

    @property
    def wants_federal_land(self) -> bool:
        """Whether a condition needs a federal-land layer."""
        return self.on_federal_land is not None or self.off_federal_land

    @property
    def classes(self) -> set[str]:
        """Infrastructure classes a condition measures against."""
        return set(self.farther_than) | set(self.near)


@dataclass
class QueryLayers:
    """The layers and tables a query reads: federal land and infrastructure
    (EPSG:4326, schemas of :mod:`geo.io.federal_land` and :mod:`geo.io.infrastructure`),
    and the permitting tables of :mod:`geo.facts.permits`. None: not available."""

    federal_land: gpd.GeoDataFrame | None = None
    infrastructure: gpd.GeoDataFrame | None = None
    events: pd.DataFrame | None = None
    fast41: pd.DataFrame | None = None
    land_status: pd.DataFrame | None = None
