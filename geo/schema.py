"""The vocabulary of minetrack's data: site types, stages and table columns.

Every table in ``data/`` is a CSV file whose columns are declared here, so that
loading, validation and documentation agree on one list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Column:
    """A column of a CSV table: its name, kind and whether it must be filled.

    kind is one of ``str``, ``slug``, ``float``, ``int``, ``list`` (semicolon
    separated), ``bool`` (true/false).
    """

    name: str
    kind: str = "str"
    required: bool = False
    doc: str = ""


SITE_COLUMNS: tuple[Column, ...] = (
    Column("id", "slug", True, "stable lowercase slug"),
    Column("name", "str", True, "common English name"),
    Column("aliases", "list", False, "other names, semicolon separated"),
    Column("type", "str", True, "one of SITE_TYPES"),
    Column("commodities", "list", True, "semicolon separated, primary first"),
    Column("country", "str", True, "ISO 3166-1 alpha-3 code"),
    Column("admin1", "str", False, "US state code (AZ) or first-level region name"),
    Column("latitude", "float", True, "WGS84 decimal degrees"),
    Column("longitude", "float", True, "WGS84 decimal degrees"),
    Column("location_accuracy", "str", True, "exact or approximate"),
    Column("stage", "str", True, "one of STAGES"),
    Column("capacity", "float", False, "headline output or capacity figure"),
    Column("capacity_unit", "str", False, "unit of capacity, e.g. 'kt Cu'"),
    Column("capacity_basis", "str", False, "production (actual) or capacity (nameplate)"),
    Column("capacity_year", "int", False, "year the figure refers to"),
    Column("start_year", "int", False, "first production or commissioning year"),
    Column("notes", "str", False, "short remark"),
    Column("sources", "list", True, "source ids from sources.csv"),
)

SOURCE_COLUMNS: tuple[Column, ...] = (
    Column("id", "str", True),
    Column("publisher", "str", True),
    Column("title", "str", True),
    Column("url", "str", True, "URL or document identifier"),
    Column("year", "int", True),
)

OWNER_COLUMNS: tuple[Column, ...] = (
    Column("id", "slug", True),
    Column("name", "str", True),
    Column("hq_country", "str", True, "ISO 3166-1 alpha-3 of the headquarters"),
    Column("sources", "list", True),
)

OWNERSHIP_COLUMNS: tuple[Column, ...] = (
    Column("site_id", "slug", True),
    Column("owner_id", "slug", True),
    Column("equity_pct", "float", True, "equity stake in percent, 0-100"),
    Column("operator", "bool", True, "true if this owner operates the site"),
    Column("as_of", "int", True, "year the stake was reported"),
    Column("sources", "list", True),
)

CAPACITY_BASES: tuple[str, ...] = ("production", "capacity")
