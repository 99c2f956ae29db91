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
    separated), ``bool`` (true/false). ``required`` columns must be present and
    filled in every file; ``curated`` ones only in minetrack's own data folder (a
    user's file may leave them out or empty: unknown).
    """

    name: str
    kind: str = "str"
    required: bool = False
    doc: str = ""
    curated: bool = False


SITE_COLUMNS: tuple[Column, ...] = (
    Column("id", "slug", True, "stable lowercase slug"),
    Column("name", "str", True, "common English name"),
    Column("aliases", "list", False, "other names, semicolon separated"),
    Column("type", "str", False, "one of SITE_TYPES", curated=True),
    Column("commodities", "list", False, "semicolon separated, primary first", curated=True),
    Column("country", "str", False, "ISO 3166-1 alpha-3 code (a user's file may leave it to the join)",
           curated=True),
    Column("admin1", "str", False, "US state code (AZ) or first-level region name"),
    Column("latitude", "float", True, "WGS84 decimal degrees"),
    Column("longitude", "float", True, "WGS84 decimal degrees"),
    Column("location_accuracy", "str", False, "exact or approximate", curated=True),
    Column("stage", "str", False, "one of STAGES", curated=True),
    Column("capacity", "float", False, "headline output or capacity figure"),
    Column("capacity_unit", "str", False, "unit of capacity, e.g. 'kt Cu'"),
    Column("capacity_basis", "str", False, "production (actual) or capacity (nameplate)"),
    Column("capacity_year", "int", False, "year the figure refers to"),
    Column("start_year", "int", False, "first production or commissioning year"),
    Column("notes", "str", False, "short remark"),
    Column("sources", "list", False, "source ids from sources.csv", curated=True),
)
"""The sites table. ``data/sites.csv`` has exactly these columns; a user's file may
carry :data:`IMPORT_COLUMNS` too."""

IMPORT_COLUMNS: tuple[Column, ...] = (
    Column("owners", "list", False, "owners as 'Name 60%', semicolon separated"),
    Column("operator", "str", False, "operating company"),
    Column("citation", "str", False, "the row's source as 'publisher, title, year, url' (imports)"),
    Column("country_rule", "str", False, "how country was found: stated, within, boundary, nearest, none"),
    Column("parts", "str", False, "WKT MULTIPOINT of a site's several points (pits, shafts)"),
)
"""Columns ``minetrack import`` adds to the site schema: what a foreign file says
beyond minetrack's own tables (owners and a citation per row, instead of
``ownership.csv`` and ``sources.csv``)."""

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

