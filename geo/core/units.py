"""Distances as people write them (``50km``, ``750 m``, ``30mi``), in metres."""

from __future__ import annotations

import re

from geo.core.errors import ArgumentError
from geo.core.vocab import check_class

_UNITS = {"m": 1.0, "km": 1000.0, "mi": 1609.344, "nmi": 1852.0}


def parse_distance(text: str) -> float:
    """Metres for ``"50km"``, ``"200 km"``, ``"750m"``, ``"30mi"``; a unit is required."""
    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*(m|km|mi|nmi)\s*", str(text).lower())
    if not m:
        raise ArgumentError(f"not a distance: {text!r} (say e.g. 50km, 750m or 30mi)")
    return float(m.group(1)) * _UNITS[m.group(2)]


def parse_class_distance(text: str) -> tuple[str, float]:
    """``"rail:50km"`` -> ``("rail", 50000.0)`` (class checked, metres)."""
    if ":" not in str(text):
        raise ArgumentError(f"expected CLASS:DISTANCE such as rail:50km, got {text!r}")
    klass, dist = str(text).split(":", 1)
    return check_class(klass), parse_distance(dist)
