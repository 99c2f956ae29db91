"""``minetrack layers``: the layer specs and map recipes."""

from __future__ import annotations

import click


@click.command()
def command() -> None:
    """List the layers (layers/*.toml) and map recipes (maps/*.toml)."""
    from geo.specs.catalogue import catalogue

    table = catalogue()
    click.echo("Layers:")
    for r in table[table["what"] == "layer"].itertuples():
        click.echo(f"  {r.name:<20} {r.kind:<15} {r.title}: {r.description}")
    click.echo("Map recipes:")
    for r in table[table["what"] == "map"].itertuples():
        click.echo(f"  {r.name:<26} -> {r.kind}: {r.title}")
