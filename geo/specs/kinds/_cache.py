"""Fetched layers: read from the download cache (``minetrack fetch``), never the network."""

from __future__ import annotations

from pathlib import Path

from geo.core.errors import DataError, Problem

FETCH_OPTIONS = ("source", "state", "region")


def check_fetch(spec) -> None:
    """A fetched layer names its download source and only options fetch knows."""
    problems = []
    if "source" not in spec.fetch:
        problems.append(Problem(spec.file, 0, "fetch", "a fetched layer needs [fetch] source = ..."))
    problems += [Problem(spec.file, 0, f"fetch.{k}",
                         f"unknown fetch option (one of {', '.join(FETCH_OPTIONS)})")
                 for k in sorted(set(spec.fetch) - set(FETCH_OPTIONS))]
    if problems:
        raise DataError(problems)


def cached_file(spec) -> Path:
    """The cached download a fetched layer reads; a DataError saying how to fetch it if absent."""
    from geo.io.fetch import cached_path

    options = {k: v for k, v in spec.fetch.items() if k in ("state", "region")}
    path = cached_path(spec.fetch["source"], **options)
    if not path.exists():
        flags = " ".join(f"--{k} {v}" for k, v in options.items())
        raise DataError([Problem(spec.file, 0, "fetch", f"{path} is not downloaded yet: run "
                                 f"`minetrack fetch {spec.fetch['source']}{' ' + flags if flags else ''}`")])
    return path
