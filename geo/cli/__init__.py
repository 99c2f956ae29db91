"""The ``minetrack`` command: one small module per verb, each a thin layer over the API.

Exit status: 0 on success, 1 when minetrack reports a problem (one line each on
stderr, naming file, row and field), 2 for a wrong command line. Commands import
the heavy libraries only when they run, so ``minetrack --help`` is fast.
"""

from __future__ import annotations

from importlib import import_module

import click

from geo import __version__
from geo.cli._errors import MinetrackGroup

EPILOG_MAIN = """\b
Examples:
  minetrack build                       # render every map recipe into ./site
  minetrack sites --country USA --type mine
  minetrack sites --commodity lithium --format geojson --output lithium.geojson
  minetrack validate                    # check the bundled data
  minetrack validate my_sites.csv       # check your own sites file
  minetrack join my_sites.csv --output joined.gpkg
  minetrack query --stage permitting --near smelter:200km
"""

# command name -> module in geo.cli; each module defines a click command called ``command``.
COMMANDS = {
    "build": "build", "sites": "sites", "validate": "validate", "join": "join", "embed": "embed",
    "png": "png", "spheres": "spheres", "supply": "supply", "fetch": "fetch", "query": "query",
    "stages": "stages", "layers": "layers", "import": "import_", "map": "map", "terrain": "terrain",
    "proximity": "proximity", "zonal": "zonal", "store": "store",
}


@click.group(cls=MinetrackGroup, epilog=EPILOG_MAIN, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="minetrack")
def main() -> None:
    """minetrack: copper and critical-mineral sites, their owners and maps.

    Every command works on the data bundled with minetrack (data/ in the source
    tree) unless you give it files; nothing touches the network but `fetch`.
    """


for _name, _module in COMMANDS.items():
    main.add_command(import_module(f"geo.cli.{_module}").command, _name)


if __name__ == "__main__":
    main()
