"""Option helpers for commands that can run on dask.distributed."""

from __future__ import annotations

import click


def engine_options():
    """``--engine local|dask``, ``--scheduler tcp://HOST:PORT``, ``--partitions N``."""
    def wrap(f):
        f = click.option("--partitions", type=click.IntRange(min=1), default=None,
                         help="With --engine dask: split the sites into N partitions (default: one per "
                              "worker thread).")(f)
        f = click.option("--scheduler", metavar="tcp://HOST:PORT",
                         help="With --engine dask: the `dask scheduler` address (default: a local "
                              "cluster on this machine).")(f)
        f = click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
                         help="Run the query here, or on dask.distributed workers.")(f)
        return f
    return wrap


def dask_client(engine: str, scheduler: str | None):
    """A :class:`distributed.Client` for ``--engine dask`` (none for local)."""
    if engine != "dask":
        if scheduler:
            raise click.UsageError("--scheduler needs --engine dask")
        return None
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout="10s")
        except OSError as exc:
            raise click.UsageError(f"--scheduler {scheduler}: no dask scheduler there ({exc})") from exc
    return Client(LocalCluster(processes=False, dashboard_address=None))
