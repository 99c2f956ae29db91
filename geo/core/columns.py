"""Column schemas of minetrack's core tables (sites, sources, owners, stakes).

Every table in ``data/`` is a CSV file whose columns are declared once, so that
loading, validation and documentation agree on one list. Tables owned by one
concern (stage events, statistics, spheres, import shares) declare theirs beside
their loader in :mod:`geo.facts`.
"""

from __future__ import annotations

from dataclasses import dataclass


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

