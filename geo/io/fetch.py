"""Download public source data into a user cache: checksummed, resumable, with progress.

Each source in :data:`geo.io.downloads.SOURCES` names its publisher's download URL. A download is
written to ``<file>.part`` beside its cache target and only renamed into place
once it is complete and verified, so an interrupted or corrupt download never
looks like data. Running the same fetch again resumes an interrupted ``.part``
with an HTTP ``Range`` request where the server allows it.

Verification, strongest available first:

1. a SHA-256 the caller gives (``--sha256``), or one pinned in the source entry;
2. the checksum file the publisher serves beside the file (Geofabrik's ``.md5``);
3. for zip archives, the CRC-32 of every member (``zipfile.testzip``), which
   catches truncation and corruption but not a deliberately altered file.

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
from pathlib import Path

from tqdm import tqdm

from geo.core.errors import ArgumentError, FetchError, UnknownNameError
from geo.io.downloads import SOURCES, US_STATES, Source

CHUNK = 1 << 20
def cache_dir() -> Path:
    """``$MINETRACK_CACHE``, else ``$XDG_CACHE_HOME/minetrack``, else ``~/.cache/minetrack``."""
    if os.environ.get("MINETRACK_CACHE"):
        return Path(os.environ["MINETRACK_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "minetrack"


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


def _download(url: str, part: Path, progress: bool) -> None:
    """Fetch ``url`` into ``part``, resuming from its current size where possible."""
    have = part.stat().st_size if part.exists() else 0
    headers = {"User-Agent": "minetrack (https://github.com/minetrack)"}
    if have:
        headers["Range"] = f"bytes={have}-"
    req = urllib.request.Request(url, headers=headers)
    try:
        resp = urllib.request.urlopen(req, timeout=60)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # range past the end: start again
            part.unlink()
            return _download(url, part, progress)
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
        total = have + int(length) if length else None
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
                    block = resp.read(CHUNK)
                    if not block:
                        break
                    out.write(block)
                    done += len(block)
                    bar.update(len(block))
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
) -> Path:
    """Download source ``name`` (see :data:`SOURCES`) into the cache; return its path.

    A verified cached copy is returned without touching the network unless
    ``force``. Raises :class:`FetchError` (nothing left in the cache but a
    resumable ``.part``) when the transfer fails, and deletes the download when it
    fails verification.
    """
    if name not in SOURCES:
        raise UnknownNameError(f"unknown source {name!r}; one of: {', '.join(SOURCES)}")
    source = SOURCES[name]
    values = _params(source, state, region)
    filename = source.filename.format(**values)
    mirror = mirror or os.environ.get("MINETRACK_MIRROR")
    url = f"{mirror.rstrip('/')}/{filename}" if mirror else source.url.format(**values)
    target = Path(cache or cache_dir()) / source.name / filename
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
    _download(url, part, progress)

    expected, algo, how = None, "sha256", "none"
    if sha256 or source.sha256:
        expected, how = (sha256 or source.sha256).lower(), "sha256 given"
    elif source.sidecar or mirror:
        for candidate in [source.sidecar] if source.sidecar else ["sha256", "md5"]:
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
    if filename.endswith(".zip"):
        try:
            with zipfile.ZipFile(part) as zf:
                bad = zf.testzip()
        except zipfile.BadZipFile as exc:
            part.unlink()
            raise FetchError(f"{url}: not a valid zip archive ({exc}); the download was discarded") from exc
        if bad:
            part.unlink()
            raise FetchError(f"{url}: corrupt member {bad!r} (CRC mismatch); the download was discarded")
        how = how if expected else "zip CRC-32 of every member"
    os.replace(part, target)
    record = {
        "source": source.name,
        "url": url,
        "file": filename,
        "bytes": target.stat().st_size,
        "sha256": _digest(target, "sha256"),
        "verified_by": how,
        "fetched": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "publisher": source.publisher,
    }
    tmp = manifest.with_name(manifest.name + ".tmp")
    tmp.write_text(json.dumps(record, indent=2) + "\n")
    os.replace(tmp, manifest)
    return target
