"""Every vocabulary minetrack speaks: site types, stages, federal agencies and
infrastructure classes, with the functions that read a loose spelling of each.

Readers, checks, queries and the CLI all take their lists from here, so a new
stage or agency is added in one place.
"""

from __future__ import annotations

import math
import re

from geo.core.errors import ArgumentError

SITE_TYPES: tuple[str, ...] = (
    "mine",
    "smelter",
    "refinery",
    "smelter+refinery",
    "project",
    "recycling",
)
"""Site types. ``project`` covers undeveloped deposits and development projects;
``recycling`` covers secondary (scrap) copper smelters and recycling plants."""

TYPE_ALIASES: dict[str, str] = {
    "deposit": "project",
    "deposit/project": "project",
    "recycling plant": "recycling",
    "smelter and refinery": "smelter+refinery",
    "smelter/refinery": "smelter+refinery",
}

STAGES: tuple[str, ...] = (
    "exploration",
    "advanced-exploration",
    "feasibility",
    "permitting",
    "construction",
    "production",
    "care-and-maintenance",
    "closed",
)
"""One normalised stage taxonomy, in the order a project moves through it."""

LOCATION_ACCURACY: tuple[str, ...] = ("exact", "approximate")

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ISO_A3 = re.compile(r"^[A-Z]{3}$")


def normalise_stage(value: str) -> str | None:
    """Return the taxonomy slug for a stage spelled loosely, or None if unknown.

    ``"Care and maintenance"``, ``"care_and_maintenance"`` and
    ``"care-and-maintenance"`` all give ``"care-and-maintenance"``.
    """
    slug = re.sub(r"[\s_]+", "-", value.strip().lower())
    return slug if slug in STAGES else None


def normalise_type(value: str) -> str | None:
    """Return the site-type slug for a type spelled loosely, or None if unknown."""
    v = value.strip().lower()
    v = TYPE_ALIASES.get(v, v)
    return v if v in SITE_TYPES else None


CAPACITY_BASES: tuple[str, ...] = ("production", "capacity")


# Federal land managers -------------------------------------------------------

AGENCIES: dict[str, str] = {
    "BLM": "Bureau of Land Management",
    "USFS": "USDA Forest Service",
    "NPS": "National Park Service",
    "FWS": "Fish and Wildlife Service",
    "DOD": "Department of Defense (incl. Army, Navy, Air Force, Marine Corps)",
    "BOR": "Bureau of Reclamation",
    "DOE": "Department of Energy",
    "USACE": "US Army Corps of Engineers",
    "TVA": "Tennessee Valley Authority",
    "NASA": "National Aeronautics and Space Administration",
    "NOAA": "National Oceanic and Atmospheric Administration",
    "NRCS": "Natural Resources Conservation Service",
    "ARS": "Agricultural Research Service",
    "BIA": "Bureau of Indian Affairs",
    "OTHF": "Other federal",
}
"""Federal land managers minetrack knows, by the code used in queries."""

AGENCY_ALIASES: dict[str, str] = {
    "FS": "USFS",
    "USDA FS": "USFS",
    "FOREST SERVICE": "USFS",
    "USBR": "BOR",
    "BUREAU OF RECLAMATION": "BOR",
    "ARMY": "DOD",
    "NAVY": "DOD",
    "USAF": "DOD",
    "USMC": "DOD",
    "AIR FORCE": "DOD",
    "DOD": "DOD",
    "USFWS": "FWS",
    "BUREAU OF LAND MANAGEMENT": "BLM",
    "NATIONAL PARK SERVICE": "NPS",
}

def normalise_agency(value: object) -> str | None:
    """minetrack agency code for a PAD-US / SMA / National Atlas manager code, or None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    v = str(value).strip().upper()
    if v in AGENCIES:
        return v
    return AGENCY_ALIASES.get(v)


def check_agency(value: str) -> str:
    """The agency code for a user's spelling, or a ValueError listing the known ones."""
    code = normalise_agency(value)
    if code is None:
        raise ArgumentError(f"unknown agency {value!r}; one of: {', '.join(AGENCIES)}")
    return code



# Infrastructure classes ------------------------------------------------------

CLASSES: dict[str, str] = {
    "rail": "railway lines",
    "road": "roads and highways",
    "port": "sea and river ports",
    "airport": "airports",
    "place": "populated places",
    "power": "power lines",
    "substation": "electrical substations",
    "smelter": "copper smelters (minetrack sites)",
    "refinery": "refineries (minetrack sites)",
    "other": "anything else given by file",
}
CLASS_ALIASES = {
    "railway": "rail",
    "railroad": "rail",
    "roads": "road",
    "highway": "road",
    "ports": "port",
    "airports": "airport",
    "places": "place",
    "town": "place",
    "power-line": "power",
    "powerline": "power",
    "smelters": "smelter",
    "refineries": "refinery",
    "substations": "substation",
}

def check_class(value: str) -> str:
    """The infrastructure class for a user's spelling, or a ValueError listing them."""
    v = value.strip().lower()
    v = CLASS_ALIASES.get(v, v)
    if v not in CLASSES:
        raise ArgumentError(f"unknown infrastructure class {value!r}; one of: {', '.join(CLASSES)}")
    return v


