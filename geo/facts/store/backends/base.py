"""What every store backend provides (the tracker calls nothing else).

Connections hand out objects with sqlite3's ``execute``/``executemany`` and ``?``
placeholders, so the tracker writes its SQL once.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, Protocol

import numpy as np


class Backend(Protocol):
    """A store's home: a GeoPackage file or a PostGIS database."""

    name: str
    """How messages name the store (a path, or the URL without its password)."""
    order_key: str
    """A column giving the insertion order of the non-spatial tables."""

    def exists(self) -> bool:
        """True when a minetrack store is there (or anything that blocks creating one)."""

    def create(self) -> AbstractContextManager[Any]:
        """A connection in one transaction that creates the store; nothing is left
        behind if the block raises."""

    def connect(self, readonly: bool) -> AbstractContextManager[Any]:
        """A connection in autocommit mode; database errors become FileError."""

    def transaction(self, conn: Any) -> AbstractContextManager[None]:
        """One write transaction that serialises writers (waits, then a clear error)."""

    def create_tables(self, conn: Any) -> None:
        """Every table, index, trigger and layer registration of an empty store."""

    def create_fact_table(self, conn: Any, table: str) -> None:
        """One table of :data:`~geo.facts.store.schema.TABLES` and its release twin
        (``release_<table>``), as :meth:`create_tables` makes them (for migrations)."""

    def point_sql(self) -> str:
        """The SQL expression of a point in an INSERT or UPDATE (its placeholders)."""

    def point_params(self, lon: np.ndarray, lat: np.ndarray) -> list[tuple]:
        """The parameters of :meth:`point_sql`, one tuple per point (degrees, EPSG:4326)."""

    def relation_exists(self, conn: Any, name: str) -> bool:
        """True when a table or view of that name exists."""

    def create_release_view(self, conn: Any, view: str, tag: str, columns: str) -> None:
        """A view of one release's sites that GIS programs open as a point layer."""
