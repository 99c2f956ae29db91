"""Download public source data into a user cache: checksummed, resumable, with progress.

Each source in :data:`geo.io.downloads.SOURCES` names its publisher's download URL. A download is
written to ``<file>.part`` beside its cache target and only renamed into place
once it is complete and verified, so an interrupted or corrupt download never
looks like data. Running the same fetch again resumes an interrupted ``.part``
with an HTTP ``Range`` request where the server allows it.

Verification, strongest available first:

1. a SHA-256 the caller gives (``--sha256``), or one pinned in the source entry;
2. the checksum file the publisher serves beside the file (Geofabrik's ``.md5``);
3. a format-level check: for zip archives the CRC-32 of every member
   (``zipfile.testzip``), for ``.osm.pbf`` the block structure (every blob header
   and blob present, the file ending where the last blob ends), for GeoPackages
   SQLite's integrity check; these catch truncation and corruption but not a
   deliberately altered file.

A download none of these can verify is refused unless ``unverified=True``
(``--unverified``). Every transfer is bounded: ``max_bytes`` (default 8 GiB, and
the server's stated length must fit), a stall timeout between bytes and an overall
deadline.

A manifest ``<file>.json`` records the URL, size, SHA-256 and how the file was
verified; a cached file whose SHA-256 no longer matches its manifest is fetched
again. The URLs are the publishers' download addresses as documented in 2025-26;
minetrack's tests never touch them (they serve files from 127.0.0.1). A mirror
(``--mirror`` or ``MINETRACK_MIRROR``) is any HTTP server holding the same file
names, with optional ``<file>.sha256`` / ``<file>.md5`` beside them.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Sequence
from pathlib import Path

from tqdm import tqdm

from geo.core.errors import ArgumentError, FetchError, UnknownNameError
from geo.core.paths import cache_dir
from geo.io.downloads import SOURCES, US_STATES, Source

CHUNK = 1 << 20
MAX_BYTES = 8 << 30
"""Default cap on a download's size (the largest source, a PAD-US state, is under 1 GB)."""
STALL_S = 60.0
"""Seconds without a byte after which a transfer is abandoned (resumable)."""
DEADLINE_S = 6 * 3600.0
"""Seconds a whole transfer may take."""
SHA256 = re.compile(r"[0-9a-fA-F]{64}")
def _params(source: Source, state: str | None, region: str | None) -> dict[str, str]:
    values: dict[str, str] = {}
    if "state" in source.params:
        if not state or state.upper() not in US_STATES:
            raise ArgumentError(
                f"{source.name}: --state must be a US state's two-letter code (e.g. NM), got {state!r}"
            )
        values["state"] = state.upper()
    elif state:
        raise ArgumentError(f"{source.name} has no --state option")
    if "region" in source.params:
        if not region or not re.fullmatch(r"[a-z0-9-]+(/[a-z0-9-]+)*", region):
            raise ArgumentError(
                f"{source.name}: --region must be a Geofabrik path such as north-america/us/arizona, "
                f"got {region!r}"
            )
        values["region"] = region
        values["region_file"] = region.rsplit("/", 1)[-1]
    elif region:
        raise ArgumentError(f"{source.name} has no --region option")
    return values


def _expected_from_sidecar(url: str, algo: str) -> str | None:
    try:
        with urllib.request.urlopen(f"{url}.{algo}", timeout=30) as resp:
            text = resp.read(4096).decode("ascii", "replace")
    except (urllib.error.URLError, OSError):
        return None
    m = re.match(r"\s*([0-9a-fA-F]{32,64})\b", text)
    return m.group(1).lower() if m else None


def _digest(path: Path, algo: str) -> str:
    h = hashlib.new(algo)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def _download(url: str, part: Path, progress: bool, *, max_bytes: int = MAX_BYTES, stall_s: float = STALL_S,
              deadline_s: float = DEADLINE_S) -> None:
    """Fetch ``url`` into ``part``, resuming from its current size where possible, within
    ``max_bytes``, with at most ``stall_s`` between bytes and ``deadline_s`` in all."""
    started = time.monotonic()
    have = part.stat().st_size if part.exists() else 0
    headers = {"User-Agent": "minetrack (https://github.com/minetrack)"}
    if have:
        headers["Range"] = f"bytes={have}-"
    req = urllib.request.Request(url, headers=headers)
    try:
        resp = urllib.request.urlopen(req, timeout=stall_s)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # range past the end: start again
            part.unlink()
            return _download(url, part, progress, max_bytes=max_bytes, stall_s=stall_s, deadline_s=deadline_s)
        raise FetchError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise FetchError(f"{url}: cannot connect ({getattr(exc, 'reason', exc)})") from exc
    with resp:
        if have and resp.status == 206:
            m = re.match(r"bytes (\d+)-", resp.headers.get("Content-Range", ""))
            if not m or int(m.group(1)) != have:
                raise FetchError(f"{url}: server resumed at the wrong offset; delete {part} and retry")
            mode = "ab"
        else:
            have, mode = 0, "wb"
        length = resp.headers.get("Content-Length")
        total = have + int(length) if length and length.isdigit() else None
        if total is not None and total > max_bytes:
            raise FetchError(f"{url}: the server says {total:,} bytes, over the cap of {max_bytes:,} "
                             "(raise it with --max-bytes)")
        done = have
        with (
            open(part, mode) as out,
            tqdm(
                total=total,
                initial=have,
                unit="B",
                unit_scale=True,
                desc=part.name.removesuffix(".part"),
                disable=not progress,
                file=sys.stderr,
            ) as bar,
        ):
            try:
                while True:
                    # read1: whatever has arrived, so the size cap and the deadline are
                    # checked however slowly the server sends.
                    block = resp.read1(CHUNK) if hasattr(resp, "read1") else resp.read(CHUNK)
                    if not block:
                        break
                    out.write(block)
                    done += len(block)
                    bar.update(len(block))
                    if done > max_bytes:
                        out.close()
                        part.unlink()
                        raise FetchError(f"{url}: more than {max_bytes:,} bytes; the download was "
                                         "discarded (raise the cap with --max-bytes)")
                    if time.monotonic() - started > deadline_s:
                        raise FetchError(f"{url}: not done after {deadline_s:,.0f} s ({done:,} bytes); "
                                         "run the same fetch again to resume")
            except (OSError, urllib.error.URLError, http.client.HTTPException) as exc:
                raise FetchError(
                    f"{url}: interrupted after {done:,} bytes ({exc}); run the same fetch again to resume"
                ) from exc
        if total is not None and done != total:
            raise FetchError(
                f"{url}: interrupted after {done:,} of {total:,} bytes; run the same fetch again to resume"
            )


def cached_path(name: str, *, state: str | None = None, region: str | None = None,
                cache: Path | str | None = None) -> Path:
    """Where :func:`fetch` puts source ``name`` (no network; the file may not exist yet)."""
    if name not in SOURCES:
        raise UnknownNameError(f"unknown source {name!r}; one of: {', '.join(SOURCES)}")
    source = SOURCES[name]
    filename = source.filename.format(**_params(source, state, region))
    return Path(cache or cache_dir()) / source.name / filename


def fetch(
    name: str,
    *,
    state: str | None = None,
    region: str | None = None,
    cache: Path | str | None = None,
    mirror: str | None = None,
    sha256: str | None = None,
    force: bool = False,
    progress: bool = True,
    unverified: bool = False,
    max_bytes: int = MAX_BYTES,
    stall_s: float = STALL_S,
    deadline_s: float = DEADLINE_S,
) -> Path:
    """Download source ``name`` (see :data:`SOURCES`) into the cache; return its path.

    A verified cached copy is returned without touching the network unless
    ``force``. Raises :class:`FetchError` (nothing left in the cache but a
    resumable ``.part``) when the transfer fails, and deletes the download when it
    fails verification, or that nothing could verify unless ``unverified``. The
    transfer is bounded by ``max_bytes``, ``stall_s`` and ``deadline_s``.
    """
    if sha256 is not None and not SHA256.fullmatch(sha256.strip()):
        raise ArgumentError(f"--sha256 {sha256[:80]!r} is not a SHA-256 (64 hexadecimal digits)")
    if max_bytes <= 0 or stall_s <= 0 or deadline_s <= 0:
        raise ArgumentError("max_bytes, stall_s and deadline_s must be positive")
    if name not in SOURCES:
        raise UnknownNameError(f"unknown source {name!r}; one of: {', '.join(SOURCES)}")
    source = SOURCES[name]
    values = _params(source, state, region)
    filename = source.filename.format(**values)
    mirror = mirror or os.environ.get("MINETRACK_MIRROR")
    url = f"{mirror.rstrip('/')}/{filename}" if mirror else source.url.format(**values)
    target = Path(cache or cache_dir()) / source.name / filename
    return fetch_file(url, target, source=source.name, publisher=source.publisher,
                      sha256=sha256 or source.sha256, sidecars=[source.sidecar] if source.sidecar else
                      (["sha256", "md5"] if mirror else []), force=force, progress=progress,
                      unverified=unverified, max_bytes=max_bytes, stall_s=stall_s, deadline_s=deadline_s)


def fetch_file(url: str, target: Path, *, source: str, publisher: str, sha256: str | None = None,
               sidecars: Sequence[str] = (), force: bool = False, progress: bool = True,
               unverified: bool = False, max_bytes: int = MAX_BYTES, stall_s: float = STALL_S,
               deadline_s: float = DEADLINE_S) -> Path:
    """Download ``url`` to ``target`` (resumable ``.part``, verified, manifest beside it):
    the one transfer every fetcher uses. ``sidecars``: checksum files to look for beside
    the URL (``md5``, ``sha256``); see :func:`fetch` for the rest."""
    filename = target.name
    manifest = target.with_name(target.name + ".json")
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() and manifest.exists() and not force:
        recorded = json.loads(manifest.read_text())
        if _digest(target, "sha256") == recorded.get("sha256") and (
            not sha256 or sha256.lower() == recorded["sha256"]
        ):
            return target
    part = target.with_name(target.name + ".part")
    if force and part.exists():
        part.unlink()
    _download(url, part, progress, max_bytes=max_bytes, stall_s=stall_s, deadline_s=deadline_s)

    expected, algo, how = None, "sha256", "none"
    if sha256:
        expected, how = sha256.lower(), "sha256 given"
    elif sidecars:
        for candidate in sidecars:
            found = _expected_from_sidecar(url, candidate)
            if found:
                expected, algo, how = found, candidate, f"{candidate} published beside the file"
                break
    if expected:
        actual = _digest(part, algo)
        if actual != expected:
            part.unlink()
            raise FetchError(
                f"{url}: {algo} mismatch (expected {expected}, got {actual}); the download was discarded"
            )
    problem, check = format_check(part, filename)
    if problem:
        part.unlink()
        raise FetchError(f"{url}: {problem}; the download was discarded")
    if not expected:
        how = check or "none"
    if how == "none":
        if not unverified:
            part.unlink()
            raise FetchError(f"{url}: nothing could verify this download (no checksum given or published, "
                             "no format check for it); give --sha256, or --unverified to keep it anyway")
        how = "none (--unverified)"
    os.replace(part, target)
    record = {
        "source": source,
        "url": url,
        "file": filename,
        "bytes": target.stat().st_size,
        "sha256": _digest(target, "sha256"),
        "verified_by": how,
        "fetched": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "publisher": publisher,
    }
    tmp = manifest.with_name(manifest.name + ".tmp")
    tmp.write_text(json.dumps(record, indent=2) + "\n")
    os.replace(tmp, manifest)
    return target


def format_check(path: Path, filename: str) -> tuple[str | None, str | None]:
    """A format-level integrity check of a download: (problem or None, what was checked
    or None when no check applies to this format)."""
    name = filename.lower()
    if name.endswith(".zip"):
        try:
            with zipfile.ZipFile(path) as zf:
                bad = zf.testzip()
        except (zipfile.BadZipFile, OSError) as exc:
            return f"not a valid zip archive ({exc})", None
        return (f"corrupt member {bad!r} (CRC mismatch)" if bad else None), "zip CRC-32 of every member"
    if name.endswith(".osm.pbf"):
        return _pbf_problem(path), "PBF block structure"
    if name.endswith((".tif", ".tiff")):
        import rasterio
        from rasterio.errors import RasterioError

        try:
            with rasterio.open(path) as src:
                for _, window in src.block_windows(1):  # every block decodes: no truncation
                    src.read(1, window=window)
        except (RasterioError, OSError) as exc:
            return f"not a readable GeoTIFF ({str(exc).splitlines()[0]})", None
        return None, "GeoTIFF opened and every block decoded"
    if name.endswith(".gpkg"):
        import sqlite3

        try:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
                ok = db.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            return f"not a readable GeoPackage ({exc})", None
        return (None if ok == "ok" else f"GeoPackage integrity check failed ({ok})"), "SQLite integrity check"
    return None, None


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        if i >= len(buf):
            raise ValueError("truncated varint")
        b = buf[i]
        value |= (b & 0x7F) << shift
        i += 1
        if not b & 0x80:
            return value, i
        shift += 7


def _pbf_problem(path: Path) -> str | None:
    """Walk an OSM PBF file's blocks: each a 4-byte length, a BlobHeader (whose field 3
    is the blob's size) and the blob; the file must end exactly after the last one."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        pos = blocks = 0
        while pos < size:
            head = f.read(4)
            if len(head) < 4:
                return f"truncated OSM PBF: block {blocks + 1} header cut at byte {pos:,}"
            n = int.from_bytes(head, "big")
            if n > 64 * 1024:
                return f"not an OSM PBF file (block header of {n:,} bytes at byte {pos:,})"
            header = f.read(n)
            if len(header) < n:
                return f"truncated OSM PBF: block {blocks + 1} header cut"
            datasize, i = None, 0
            try:
                while i < len(header):
                    key, i = _varint(header, i)
                    field, wire = key >> 3, key & 7
                    if wire == 0:
                        value, i = _varint(header, i)
                        if field == 3:
                            datasize = value
                    elif wire == 2:
                        length, i = _varint(header, i)
                        i += length
                    else:
                        return f"not an OSM PBF file (unexpected field in block {blocks + 1})"
            except ValueError:
                return f"not an OSM PBF file (bad block header {blocks + 1})"
            if datasize is None:
                return f"not an OSM PBF file (block {blocks + 1} has no size)"
            pos += 4 + n + datasize
            if pos > size:
                return f"truncated OSM PBF: block {blocks + 1} needs {pos - size:,} more bytes"
            f.seek(pos)
            blocks += 1
    return None if blocks else "empty OSM PBF file"
