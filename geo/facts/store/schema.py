"""The store's tables: columns, SQL types and the schema version with its migrations.

Site rows keep minetrack's own columns (:data:`~geo.core.columns.SITE_COLUMNS`) so that
a store exports back to the bundled tables unchanged; ``geom`` is the same point as
``longitude``/``latitude`` for GIS programs.
"""

from __future__ import annotations

from geo.core.columns import OWNER_COLUMNS, OWNERSHIP_COLUMNS, SITE_COLUMNS, SOURCE_COLUMNS, Column
from geo.facts.permits import EVENT_COLUMNS

SCHEMA_VERSION = 1
"""Bumped with each entry of :data:`MIGRATIONS`."""

MIGRATIONS: dict[int, tuple[str, ...]] = {}
"""Version -> SQL statements that bring a store at version-1 to it (none yet)."""

SQL_TYPES = {"float": "REAL", "int": "INTEGER", "bool": "TEXT"}

TABLES: dict[str, tuple[Column, ...]] = {
    "sources": SOURCE_COLUMNS,
    "owners": OWNER_COLUMNS,
    "ownership": OWNERSHIP_COLUMNS,
    "stage_events": EVENT_COLUMNS,
}
"""Non-spatial tables kept as the data folder's CSV files have them."""

SITE_TABLE = SITE_COLUMNS

CHANGE_COLUMNS = ("change_id", "batch", "at", "author", "site_id", "field", "old_value",
                  "new_value", "source", "note")

DDL = (
    "CREATE TABLE IF NOT EXISTS minetrack_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS changes (
        change_id INTEGER PRIMARY KEY AUTOINCREMENT, batch INTEGER NOT NULL, at TEXT NOT NULL,
        author TEXT NOT NULL, site_id TEXT NOT NULL, field TEXT NOT NULL, old_value TEXT,
        new_value TEXT, source TEXT NOT NULL, note TEXT)""",
    "CREATE INDEX IF NOT EXISTS changes_site ON changes (site_id)",
    # The log is append-only: what was recorded stays recorded.
    """CREATE TRIGGER IF NOT EXISTS changes_no_update BEFORE UPDATE ON changes
       BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS changes_no_delete BEFORE DELETE ON changes
       BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END""",
    """CREATE TABLE IF NOT EXISTS releases (
        tag TEXT PRIMARY KEY, at TEXT NOT NULL, note TEXT, last_change INTEGER NOT NULL)""",
)


def columns_sql(columns: tuple[Column, ...], extra: str = "") -> str:
    """``name TYPE, ...`` for a CREATE TABLE."""
    body = ", ".join(f'"{c.name}" {SQL_TYPES.get(c.kind, "TEXT")}' for c in columns)
    return f"{extra}{body}"
