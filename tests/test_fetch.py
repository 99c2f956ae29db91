"""`minetrack fetch` against a local HTTP server on 127.0.0.1 (never the network):
real PAD-US, Natural Earth and OSM files from ../shared/realdata, a corrupted
download, an interrupted and resumed one, and the cache."""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from geo.cli import main
from geo.core.errors import FetchError
from geo.io.federal_land import read_federal_land
from geo.io.fetch import fetch
from geo.io.infrastructure import read_infrastructure, read_osm

REAL = Path(__file__).resolve().parents[2] / "shared" / "realdata"


class Server:
    """Serves files from a folder, honours Range, can cut a transfer short, logs requests."""

    def __init__(self, root: Path):
        self.root = root
        self.cut_after: dict[str, int] = {}  # file name -> bytes to send before hanging up (once)
        self.requests: list[tuple[str, str | None]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep pytest output clean
                pass

            def do_GET(self):
                name = self.path.lstrip("/")
                outer.requests.append((name, self.headers.get("Range")))
                path = outer.root / name
                if not path.is_file():
                    self.send_error(404)
                    return
                data = path.read_bytes()
                start = 0
                rng = self.headers.get("Range")
                if rng and rng.startswith("bytes="):
                    start = int(rng[6:].split("-")[0])
                    if start >= len(data):
                        self.send_error(416)
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                body = data[start:]
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Accept-Ranges", "bytes")
                self.end_headers()
                cut = outer.cut_after.pop(name, None)
                if cut is not None:
                    self.wfile.write(body[:cut])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def served(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    # A PAD-US state download as the publisher names it, holding the real NM subset.
    with zipfile.ZipFile(root / "PADUS4_0_State_NM_GDB.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(
            REAL / "padus3-state-subsets-potamap" / "PADUS3_0Combined_StateNM.geojson",
            "PADUS3_0Combined_StateNM.geojson",
        )
    with zipfile.ZipFile(root / "ne_10m_railroads_north_america.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(
            REAL / "natural-earth-v4" / "ne_10m_railroads_north_america.json",
            "ne_10m_railroads_north_america.json",
        )
    pbf = root / "liechtenstein-latest.osm.pbf"
    shutil.copy(REAL / "osm-liechtenstein-2013" / "liechtenstein-2013-08-03.osm.pbf", pbf)
    (root / "liechtenstein-latest.osm.pbf.md5").write_text(
        hashlib.md5(pbf.read_bytes()).hexdigest() + "  liechtenstein-latest.osm.pbf\n"
    )
    with Server(root) as server:
        yield server, tmp_path / "cache"


def test_fetch_padus_state_and_read_it(served):
    server, cache = served
    path = fetch("padus", state="nm", cache=cache, mirror=server.url, progress=False)
    assert path == cache / "padus" / "PADUS4_0_State_NM_GDB.zip"
    manifest = json.loads(path.with_name(path.name + ".json").read_text())
    assert manifest["verified_by"] == "zip CRC-32 of every member"
    assert manifest["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    land = read_federal_land(path)  # read straight from the zip
    assert "Gila National Forest" in set(land["unit_name"])
    # Cached and verified: no second request.
    before = len(server.requests)
    assert fetch("padus", state="NM", cache=cache, mirror=server.url, progress=False) == path
    assert len(server.requests) == before


def test_fetch_osm_verifies_the_published_md5(served):
    server, cache = served
    path = fetch("osm", region="europe/liechtenstein", cache=cache, mirror=server.url, progress=False)
    manifest = json.loads(path.with_name(path.name + ".json").read_text())
    assert manifest["verified_by"] == "md5 published beside the file"
    osm = read_osm(path)
    assert {"rail", "road", "power"} <= set(osm["class"])
    rail = read_infrastructure(
        fetch("ne-railroads-north-america", cache=cache, mirror=server.url, progress=False)
    )
    assert (rail["class"] == "rail").all() and len(rail) == 1127


def test_interrupted_download_resumes(served):
    server, cache = served
    name = "PADUS4_0_State_NM_GDB.zip"
    size = (server.root / name).stat().st_size
    server.cut_after[name] = size // 3
    with pytest.raises(FetchError, match="interrupted after"):
        fetch("padus", state="NM", cache=cache, mirror=server.url, progress=False)
    part = cache / "padus" / (name + ".part")
    assert part.exists() and part.stat().st_size == size // 3
    assert not (cache / "padus" / name).exists()
    path = fetch("padus", state="NM", cache=cache, mirror=server.url, progress=False)
    assert (name, f"bytes={size // 3}-") in server.requests
    assert path.read_bytes() == (server.root / name).read_bytes()
    assert not part.exists()


def test_corrupted_download_is_discarded(served):
    server, cache = served
    name = "PADUS4_0_State_NM_GDB.zip"
    good = (server.root / name).read_bytes()
    # A stated checksum that does not match: discarded, nothing left behind.
    with pytest.raises(FetchError, match="sha256 mismatch"):
        fetch("padus", state="NM", cache=cache, mirror=server.url, sha256="0" * 64, progress=False)
    assert not list((cache / "padus").glob("PADUS*"))
    # Bytes flipped inside a member, no checksum published: the zip CRC catches it.
    bad = bytearray(good)
    mid = len(bad) // 2
    bad[mid : mid + 64] = bytes(64)
    (server.root / name).write_bytes(bytes(bad))
    with pytest.raises(FetchError, match="discarded"):
        fetch("padus", state="NM", cache=cache, mirror=server.url, progress=False)
    assert not list((cache / "padus").glob("PADUS*"))
    # A publisher checksum file that disagrees with the bytes.
    (server.root / name).write_bytes(good)
    (server.root / (name + ".sha256")).write_text("f" * 64 + "\n")
    with pytest.raises(FetchError, match="sha256 mismatch"):
        fetch("padus", state="NM", cache=cache, mirror=server.url, progress=False)
    # A cached file altered after download is fetched again.
    (server.root / (name + ".sha256")).unlink()
    path = fetch("padus", state="NM", cache=cache, mirror=server.url, progress=False)
    path.write_bytes(b"tampered")
    assert fetch("padus", state="NM", cache=cache, mirror=server.url, progress=False).read_bytes() == good


def test_fetch_cli(served, runner):
    server, cache = served
    result = runner.invoke(main, ["fetch", "--list"])
    assert result.exit_code == 0 and "sciencebase.gov" in result.output and "geofabrik" in result.output
    ok = runner.invoke(
        main, ["fetch", "padus", "--state", "NM", "--cache", str(cache), "--mirror", server.url, "--quiet"]
    )
    assert ok.exit_code == 0, ok.output
    assert ok.output.strip().endswith("PADUS4_0_State_NM_GDB.zip")
    bad = runner.invoke(
        main, ["fetch", "padus", "--state", "XX", "--cache", str(cache), "--mirror", server.url]
    )
    assert bad.exit_code == 1 and "two-letter code" in bad.output
    missing = runner.invoke(
        main, ["fetch", "padus", "--state", "WY", "--cache", str(cache), "--mirror", server.url, "--quiet"]
    )
    assert missing.exit_code == 1 and "HTTP 404" in missing.output
    unknown = runner.invoke(main, ["fetch", "nope"])
    assert unknown.exit_code == 1 and "unknown source" in unknown.output


def test_query_reads_fetched_layers_from_the_cache(served, runner, monkeypatch):
    server, cache = served
    monkeypatch.setenv("MINETRACK_CACHE", str(cache))
    before = runner.invoke(main, ["query", "--layer", "rail_north_america", "--near", "rail:5km"])
    assert before.exit_code == 1 and "minetrack fetch ne-railroads-north-america" in before.output
    got = runner.invoke(main, ["fetch", "ne-railroads-north-america", "--mirror", server.url, "--quiet"])
    assert got.exit_code == 0, got.output
    result = runner.invoke(main, ["query", "--layer", "rail_north_america", "--country", "USA",
                                  "--type", "mine", "--farther-than", "rail:100km", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "robinson" in result.stdout and "dist_rail_m" in result.stdout.splitlines()[0]
    assert "red-dog" in result.stderr  # Alaska's Red Dog lies beyond the layer: said, not hidden
    wrong = runner.invoke(main, ["query", "--layer", "mines"])
    assert wrong.exit_code == 1 and "not infrastructure or federal-land" in wrong.output


def test_a_recipe_draws_a_fetched_layer_from_the_cache(served, runner, monkeypatch, tmp_path):
    import json
    import re

    from geo.io.infrastructure import read_infrastructure

    server, cache = served
    monkeypatch.setenv("MINETRACK_CACHE", str(cache))
    got = runner.invoke(main, ["fetch", "ne-railroads-north-america", "--mirror", server.url, "--quiet"])
    assert got.exit_code == 0, got.output
    (tmp_path / "maps").mkdir()
    recipe = tmp_path / "maps" / "rail.toml"
    recipe.write_text('title = "Rail and mines"\n[[layers]]\nlayer = "rail_north_america"\ntitle = "Rail"\n'
                      '[[layers]]\nlayer = "mines"\nfilter = { country = "USA" }\n')
    out = tmp_path / "site"
    result = runner.invoke(main, ["build", "--out", str(out), "--map", str(recipe)])
    assert result.exit_code == 0, result.output
    page = (out / "rail.html").read_text()
    config = json.loads(re.search(r'id="[^"]+-data">(.*?)</script>', page, re.S).group(1))
    rail = [la for la in config["layers"] if la.get("kind") == "lines"]
    want = read_infrastructure(Path(got.output.strip()))
    assert len(rail) == 1 and len(rail[0]["geojson"]["features"]) == len(want) > 100
