"""``--store STORE[@TAG]``: any command that reads sites reads them from a tracker store.

The store's tables (at release TAG, or as they are now) stand in for the bundled ones for
the whole command, so a map, query, join or share is of exactly what the store holds.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import click


def store_option(fn: Callable) -> Callable:
    """Add ``--store STORE[@TAG]`` to a command."""

    @functools.wraps(fn)
    def run(*args, store: str | None = None, **kwargs):
        if not store:
            return fn(*args, **kwargs)
        from geo.core.paths import using_data
        from geo.facts.store import open_store

        path, _, tag = store.rpartition("@") if "@" in store else (store, "", "")
        with open_store(path, readonly=True).folder(tag or None) as folder, using_data(folder):
            return fn(*args, **kwargs)

    return click.option("--store", metavar="STORE[@TAG]",
                        help="Read sites from a tracker store (at release TAG) instead of the "
                             "bundled data.")(run)
