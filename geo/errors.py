"""Errors and problems that name the file, row and field they are about."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


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


class DataError(Exception):
    """Raised when input data fail validation; carries every problem found."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        first = str(self.problems[0]) if self.problems else "invalid data"
        more = len(self.problems) - 1
        super().__init__(first + (f" (and {more} more problems)" if more > 0 else ""))
