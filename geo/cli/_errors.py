"""How the CLI reports failure: minetrack's own errors and file errors as one line each,
exit status 1; anything else is a bug and keeps its traceback."""

from __future__ import annotations

import sys

import click


def report(exc: BaseException) -> None:
    """Print an error minetrack raised on purpose, or an OSError, as one line per problem."""
    from geo.core.errors import MinetrackError

    problems = getattr(exc, "problems", None)
    if problems:
        for p in problems:
            click.echo(f"error: {p}", err=True)
    elif isinstance(exc, MinetrackError):
        click.echo(f"error: {exc}", err=True)
    else:  # a plain OSError from a library: name the path it was about
        where = getattr(exc, "filename", None)
        reason = getattr(exc, "strerror", None) or str(exc)
        click.echo(f"error: {where}: {reason}" if where else f"error: {reason}", err=True)


class MinetrackGroup(click.Group):
    """A click group that turns MinetrackError and OSError into one-line errors."""

    def invoke(self, ctx: click.Context):
        import warnings

        from geo.core.errors import MinetrackError, MinetrackWarning

        def show(message, category, filename, lineno, file=None, line=None):
            if issubclass(category, MinetrackWarning):
                click.echo(f"warning: {message}", err=True)
            else:
                original(message, category, filename, lineno, file, line)

        original = warnings.showwarning
        warnings.showwarning = show
        try:
            return super().invoke(ctx)
        except (MinetrackError, OSError) as exc:
            report(exc)
            sys.exit(1)
        finally:
            warnings.showwarning = original
