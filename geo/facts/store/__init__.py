"""A tracker with memory: a GeoPackage store of sites with an append-only change log,
named releases and diffs between them.

    from geo.facts.store import Store
    store = Store.init("tracker.gpkg", from_bundled=True)
    store.edit("resolution", {"stage": "construction"},
               source="Rio Tinto, Annual report 2026, 2027, https://...")
    store.release("2026")
    store.diff("2025", "2026")

Each method is one ``minetrack store`` sub-command (:data:`VERBS`).
"""

from geo.facts.store.tracker import SCHEMA_VERSION, Store, open_store

VERBS = {"init": "init", "import": "import_file", "edit": "edit", "apply": "apply",
         "log": "log", "release": "release", "diff": "diff", "export": "export",
         "land": "load_land", "remove": "remove"}
"""``minetrack store`` sub-command -> :class:`Store` method."""

__all__ = ["SCHEMA_VERSION", "VERBS", "Store", "open_store"]
