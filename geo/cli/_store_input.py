"""``--store STORE[@TAG]``: any command that reads sites reads them from a tracker store.

The store's tables (at release TAG, or as they are now) stand in for the bundled ones for
the whole command, so a map, query, join or share is of exactly what the store holds.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import click


def split_store(value: str) -> tuple[str, str | None]:
    """``STORE[@TAG]`` -> (STORE, TAG or None). A ``postgresql://user@host/db`` URL keeps
    its ``@``: only a last part that is a valid release tag (no ``/``, ``:``, ``?``...)
    is taken as one."""
    from geo.facts.store.tracker import TAG

    head, sep, tail = value.rpartition("@")
    if "://" in head and "/" not in head.split("://", 1)[1]:
        return value, None  # postgresql://user@host: the @ is the URL's own
    if sep and head and TAG.fullmatch(tail):
        return head, tail
    return value, None


def store_option(fn: Callable) -> Callable:
    """Add ``--store STORE[@TAG]`` to a command."""

    @functools.wraps(fn)
    def run(*args, store: str | None = None, **kwargs):
        if not store:
            return fn(*args, **kwargs)
        from geo.core.paths import using_data
        from geo.facts.store import open_store

        url, tag = split_store(store)
        # A command may read more of the store than its tables (query: its federal land).
        click.get_current_context().meta["minetrack.store"] = url
        with open_store(url, readonly=True).folder(tag) as folder, using_data(folder):
            return fn(*args, **kwargs)

    return click.option("--store", metavar="STORE[@TAG]",
                        help="Read sites from a tracker store (at release TAG) instead of the "
                             "bundled data.")(run)
