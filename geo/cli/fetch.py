"""``minetrack fetch``: download a public dataset into the cache."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(epilog="""\b
Examples:
  minetrack fetch --list
  minetrack fetch padus --state NM           # PAD-US 4.0, New Mexico geodatabase
  minetrack fetch osm --region north-america/us/arizona
  minetrack fetch ne-railroads-north-america --cache ./cache
  minetrack fetch padus --state NV --mirror http://127.0.0.1:8000   # any server with the same file names
  minetrack fetch dem --bbox -113.5,32,-109,34.5                     # Copernicus GLO-90 tiles
  minetrack fetch dem --bbox -113.5,32,-109,34.5 --source copernicus-glo30
""")
@click.argument("source", required=False)
@click.option("--state", metavar="XX", help="US state code, for per-state sources (padus).")
@click.option("--region", metavar="PATH", help="Geofabrik region path, for osm (e.g. europe/liechtenstein).")
@click.option("--cache", type=click.Path(file_okay=False, path_type=Path),
              help="Cache folder (default $MINETRACK_CACHE, else ~/.cache/minetrack).")
@click.option("--mirror", metavar="URL", help="Fetch the same file names from this server instead "
              "(or set MINETRACK_MIRROR).")
@click.option("--sha256", metavar="HEX", help="Expected SHA-256 of the file; a mismatch discards it.")
@click.option("--force", is_flag=True, help="Download again even if a verified copy is cached.")
@click.option("--unverified", is_flag=True,
              help="Keep a download nothing could verify (no checksum, no format check).")
@click.option("--max-bytes", type=click.IntRange(min=1), default=None, metavar="N",
              help="Refuse a download larger than N bytes (default 8 GiB).")
@click.option("--stall-timeout", type=click.FloatRange(min=0.1), default=None, metavar="S",
              help="Give up after S seconds without a byte (default 60; resumable).")
@click.option("--deadline", type=click.FloatRange(min=0.1), default=None, metavar="S",
              help="Give up after S seconds in all (default 6 h; resumable).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--list", "list_", is_flag=True, help="List the sources and their URLs.")
@click.option("--bbox", metavar="W,S,E,N", help="For `fetch dem`: the box whose tiles to download.")
@click.option("--source", "dem_source", type=click.Choice(["copernicus-glo90", "copernicus-glo30", "srtm"]),
              default="copernicus-glo90", show_default=True, help="For `fetch dem`: the DEM.")
def command(source, state, region, cache, mirror, sha256, force, unverified, max_bytes, stall_timeout,
            deadline, quiet, list_, bbox, dem_source) -> None:
    """Download a public dataset into the cache, verified, resumable; print its path.

    An interrupted download resumes where it stopped when run again. The file is
    checked against --sha256, else the checksum its publisher serves beside it,
    else its format (zip CRCs, the PBF block structure, a GeoPackage's integrity); a
    file that fails, or that nothing could check (unless --unverified), is discarded.
    """
    if list_ or not source:
        from geo.io.downloads import SOURCES

        for s in SOURCES.values():
            opts = " ".join(f"--{p} ..." for p in s.params)
            click.echo(f"{s.name:<28} {s.description} [{s.publisher}]{'  ' + opts if opts else ''}\n"
                       f"{'':<28} {s.url}")
        return
    from geo.io.fetch import DEADLINE_S, MAX_BYTES, STALL_S, fetch

    limits = {"max_bytes": max_bytes or MAX_BYTES, "stall_s": stall_timeout or STALL_S,
              "deadline_s": deadline or DEADLINE_S, "unverified": unverified}
    if source == "dem":
        from geo.cli._sites_input import _parse_bbox
        from geo.core.errors import ArgumentError
        from geo.io.dem import fetch_dem

        if not bbox:
            raise ArgumentError("fetch dem needs --bbox W,S,E,N")
        box = _parse_bbox(None, None, bbox)
        tiles = fetch_dem(box, source=dem_source, cache=cache, mirror=mirror, progress=not quiet, **limits)
        for path in tiles:
            click.echo(str(path))
        return

    click.echo(str(fetch(source, state=state, region=region, cache=cache, mirror=mirror, sha256=sha256,
                         force=force, progress=not quiet, unverified=unverified,
                         max_bytes=max_bytes or MAX_BYTES, stall_s=stall_timeout or STALL_S,
                         deadline_s=deadline or DEADLINE_S)))
