"""minetrack's errors: one root, and problems that name the file, row and field.

Every error minetrack raises on purpose derives from :class:`MinetrackError`; the
CLI prints those as one line each and exits non-zero, while anything else (a bug)
keeps its traceback. The subclasses also derive from the built-in exception a
caller would expect (``ValueError`` for bad data or arguments, ``OSError`` for a
file that cannot be read or written), as rasterio's errors do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


class MinetrackError(Exception):
    """Root of every error minetrack raises deliberately."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input.

    ``row`` is the line number in a CSV file (the header is line 1), or the
    1-based feature number in a vector file; 0 means the file as a whole.
    """

    file: str
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.row == 0 else f"{self.file}:{self.row}"
        field = f" [{self.field}]" if self.field else ""
        return f"{where}{field}: {self.message}"


class DataError(MinetrackError, ValueError):
    """Input data fail validation; carries every problem found."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        first = str(self.problems[0]) if self.problems else "invalid data"
        more = len(self.problems) - 1
        super().__init__(first + (f" (and {more} more problems)" if more > 0 else ""))


class ArgumentError(MinetrackError, ValueError):
    """A caller's argument is wrong: an unknown stage, layer, recipe, unit..."""


class UnknownNameError(ArgumentError, KeyError):
    """A name (layer, recipe, source) that minetrack does not know."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0]) if self.args else ""


class FileError(MinetrackError, OSError):
    """A file or folder could not be read or written; the message names the path."""

    def __str__(self) -> str:  # OSError would print "[Errno None] None: 'path'"
        return str(self.args[0]) if self.args else ""

    @classmethod
    def wrap(cls, exc: OSError, path: Path | str | None = None, doing: str = "") -> FileError:
        """A one-line error naming ``path`` (else the OSError's own file name)."""
        where = display_path(path if path is not None else (exc.filename or "?"))
        reason = exc.strerror or str(exc) or type(exc).__name__
        err = cls(f"{where}: {doing + ': ' if doing else ''}{reason}")
        err.filename = str(where)
        return err


class MinetrackWarning(UserWarning):
    """Root of minetrack's warnings: an answer that holds for the data but may mislead."""


class CoverageWarning(MinetrackWarning):
    """A layer does not cover some sites it was asked about (``*_outside_coverage``)."""


class FetchError(MinetrackError):
    """A download failed or did not verify; the message says what to do."""


def display_path(path: Path | str) -> str:
    """A path as printed in problems: relative to the working directory when inside it."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
        return str(p)
