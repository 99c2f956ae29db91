"""Read a TOML file into a dict, with a one-line error naming the file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from geo.core.errors import DataError, Problem, display_path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 reads TOML with the tomli backport
    import tomli as tomllib


def read_toml(path: Path) -> dict[str, Any]:
    """The parsed TOML file at ``path``; a missing or invalid file is a DataError."""
    try:
        with Path(path).open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise DataError([Problem(display_path(path), 0, "", "file not found")]) from exc
    except OSError as exc:
        raise DataError([Problem(display_path(path), 0, "", f"unreadable: {exc.strerror or exc}")]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise DataError([Problem(display_path(path), 0, "", f"invalid TOML: {exc}")]) from exc
