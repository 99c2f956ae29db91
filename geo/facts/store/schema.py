"""The store's tables: columns, SQL types and the schema version with its migrations.

Site rows keep minetrack's own columns (:data:`~geo.core.columns.SITE_COLUMNS`) so that
a store exports back to the bundled tables unchanged; ``geom`` is the same point as
``longitude``/``latitude`` for GIS programs. Each backend writes its own DDL from these
(:mod:`geo.facts.store.backends`).
"""

from __future__ import annotations

from geo.core.columns import OWNER_COLUMNS, OWNERSHIP_COLUMNS, SITE_COLUMNS, SOURCE_COLUMNS, Column
from geo.facts.permits import EVENT_COLUMNS
from geo.facts.production import PRODUCTION_COLUMNS

SCHEMA_VERSION = 2
"""Bumped with each entry of :data:`MIGRATIONS`."""

MIGRATIONS: dict[int, tuple[str, ...]] = {2: ("production",)}
"""Version -> the tables of :data:`TABLES` it adds (each with its release twin) to a
store at version-1; each backend writes their DDL, so one migration serves both."""

BUSY_TIMEOUT_S = 30.0
"""How long a writer waits for another writer's transaction before giving up."""

SQLITE_TYPES = {"float": "REAL", "int": "INTEGER", "bool": "TEXT"}
POSTGRES_TYPES = {"float": "DOUBLE PRECISION", "int": "BIGINT", "bool": "TEXT"}

TABLES: dict[str, tuple[Column, ...]] = {
    "sources": SOURCE_COLUMNS,
    "owners": OWNER_COLUMNS,
    "ownership": OWNERSHIP_COLUMNS,
    "stage_events": EVENT_COLUMNS,
    "production": PRODUCTION_COLUMNS,
}
"""Non-spatial tables kept as the data folder's CSV files have them (production and
capacity by year are ``production`` rows; a capacity is a row with basis ``capacity``)."""

SITE_TABLE = SITE_COLUMNS

CHANGE_COLUMNS = ("change_id", "batch", "at", "author", "site_id", "field", "old_value",
                  "new_value", "source", "note")


def columns_sql(columns: tuple[Column, ...], types: dict[str, str] = SQLITE_TYPES) -> str:
    """``"name" TYPE, ...`` for a CREATE TABLE (text where no type is given)."""
    return ", ".join(f'"{c.name}" {types.get(c.kind, "TEXT")}' for c in columns)
