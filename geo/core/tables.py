"""Read a CSV table against its declared columns, collecting problems per cell.

The parser never raises on bad content: it returns the typed frame together with
a list of :class:`~geo.errors.Problem`, each naming the file, the CSV line and the
column, so that ``minetrack validate`` can print every problem at once.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from geo.core.columns import Column
from geo.core.errors import DataError, Problem, display_path
from geo.core.paths import data_dir
from geo.core.vocab import SLUG

ROW = "_row"
"""Column holding each row's number in its source file, where the reader knows it
(a CSV record spanning several lines, a vector file read feature by feature)."""

TRUE = {"true", "yes", "1", "y", "t"}
FALSE = {"false", "no", "0", "n", "f"}


def line_numbers(frame: pd.DataFrame) -> pd.Series:
    """Row number of each row as problems name it: the CSV line (header is line 1), or
    the 1-based feature number for vector files (``frame.attrs["first_row"] == 1``);
    a :data:`ROW` column, where a reader kept the source's own numbers, wins."""
    if ROW in frame.columns:
        return frame[ROW].astype(int)
    start = frame.attrs.get("first_row", 2)
    return pd.Series(range(start, len(frame) + start), index=frame.index)


def read_table(path: Path | str, columns: Sequence[Column], *, curated: bool = True
               ) -> tuple[pd.DataFrame, list[Problem]]:
    """Read ``path`` as CSV and parse each declared column.

    Returns the frame (typed columns; missing optional values as NA) and the
    problems found. A file that cannot be read gives one file-level problem and
    an empty frame. ``curated``: the file is one of minetrack's own tables, so
    :attr:`Column.curated` columns are required too.
    """
    path = Path(path)
    name = str(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(1 << 16)
        if b"\x00" in head:
            return pd.DataFrame(), [Problem(name, 0, "", "holds NUL bytes; not a text table")]
        first = head.split(b"\n", 1)[0].decode("utf-8", "replace")
        header = [c.strip() for c in next(csv.reader([first]), [])]
        twice = sorted({c for c in header if c and header.count(c) > 1})
        if twice:
            return pd.DataFrame(), [Problem(name, 1, c, "column appears twice in the header") for c in twice]
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError:
        return pd.DataFrame(), [Problem(name, 0, "", "file not found")]
    except UnicodeDecodeError as exc:
        return pd.DataFrame(), [Problem(name, 0, "", f"not UTF-8 text ({exc.reason})")]
    except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return pd.DataFrame(), [Problem(name, 0, "", f"unreadable CSV: {first}")]

    return parse_table(raw, columns, name, curated=curated)


def parse_table(
    raw: pd.DataFrame, columns: Sequence[Column], name: str, first_row: int = 2, *,
    curated: bool = True,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Parse a frame of text cells against ``columns`` (see :func:`read_table`).

    A missing optional column is added empty; a :data:`ROW` column is kept as the
    rows' numbers.
    """
    problems: list[Problem] = []
    row = raw[ROW] if ROW in raw.columns else None
    raw = raw.astype(object).where(raw.notna(), "").astype(str)
    if row is not None:
        raw[ROW] = row.astype(int)
    raw.attrs["first_row"] = first_row
    raw.columns = [str(c).strip() for c in raw.columns]

    def needed(col: Column) -> bool:
        return col.required or (curated and col.curated)

    missing = [c.name for c in columns if c.name not in raw.columns and needed(c)]
    for col in missing:
        problems.append(Problem(name, 1, col, "required column is missing"))
    if missing:
        return raw.iloc[0:0], problems
    for col in columns:
        if col.name not in raw.columns:
            raw[col.name] = ""

    lines = line_numbers(raw)
    out = raw.copy()
    for col in columns:
        text = raw[col.name].str.strip()
        empty = text == ""
        if needed(col):
            for i in text.index[empty]:
                problems.append(Problem(name, lines[i], col.name, "required value is empty"))
        if col.kind in ("float", "int"):
            num = pd.to_numeric(text.where(~empty), errors="coerce")
            if not pd.api.types.is_float_dtype(num):  # huge integers come back as objects
                num = pd.to_numeric(num, errors="coerce", downcast=None).astype(float)
            bad = ~empty & (num.isna() | ~np.isfinite(num.fillna(0.0)))
            if col.kind == "int":
                # Whole numbers only, and within what a 64-bit float holds exactly.
                bad |= ~empty & num.notna() & ((num % 1 != 0) | (num.abs() > 2**53))
            for i in text.index[bad]:
                problems.append(
                    Problem(name, lines[i], col.name,
                            f"expected a {'whole ' if col.kind == 'int' else ''}number, got {text[i][:40]!r}")
                )
            num = num.where(~bad)
            out[col.name] = num.astype("Int64") if col.kind == "int" and not bad.any() else num
        elif col.kind == "bool":
            low = text.str.lower()
            bad = ~empty & ~low.isin(TRUE | FALSE)
            for i in text.index[bad]:
                problems.append(
                    Problem(name, lines[i], col.name, f"expected true or false, got {text[i]!r}")
                )
            out[col.name] = low.map(lambda v: True if v in TRUE else (False if v in FALSE else pd.NA))
        elif col.kind == "slug":
            bad = ~empty & ~text.str.match(SLUG)
            for i in text.index[bad]:
                problems.append(
                    Problem(name, lines[i], col.name,
                            f"{text[i]!r} is not a slug (lowercase letters, digits, hyphens)")
                )
            out[col.name] = text
        elif col.kind == "list":
            # Items trimmed, empty items dropped: " a ; ;b " -> "a;b".
            out[col.name] = (text.str.replace(r"\s*;[\s;]*", ";", regex=True).str.strip(";")
                             .str.strip())
        else:
            out[col.name] = text
    return out, problems


def split_list(value: object) -> list[str]:
    """Items of a semicolon-separated cell (empty list for empty or NA)."""
    if not isinstance(value, str) or not value:
        return []
    return [p for p in value.split(";") if p]


def open_table(path: Path | str | None, default: str, columns: Sequence[Column]
               ) -> tuple[pd.DataFrame, str, pd.Series]:
    """Read a table that must parse (``default``: its file name in the bundled ``data/``).

    Returns the frame, the path as problems print it, and each row's line number;
    an unreadable file or a missing column raises :class:`DataError`.
    """
    path = Path(path) if path else data_dir() / default
    frame, problems = read_table(path, columns)
    if problems:
        raise DataError(problems)
    return frame, display_path(path), line_numbers(frame)


def finish_table(frame: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame:
    """``frame`` if no problem was found, else a :class:`DataError` carrying them all."""
    if problems:
        raise DataError(problems)
    return frame


def newest_editions(paths, read, columns: Sequence[str]) -> pd.DataFrame:
    """Country statistics from several editions of one publication, in long form
    (``iso_a3``, ``kind``, ``year``, ..., ``edition``): each file read by ``read(path)``
    (a frame or None, and its problems); where editions overlap, the newest edition's
    figure is kept, as publishers revise. DataError with every file's problems."""
    parts, problems = [], []
    for path in paths:
        frame, found = read(path)
        problems += found
        if frame is not None:
            parts.append(frame)
    if problems:
        raise DataError(problems)
    if not parts:
        return pd.DataFrame(columns=list(columns))
    table = pd.concat(parts, ignore_index=True).sort_values("edition", ascending=False, kind="stable")
    table = table.drop_duplicates(["iso_a3", "kind", "year"])
    return table.sort_values(["kind", "year", "iso_a3"]).reset_index(drop=True)
