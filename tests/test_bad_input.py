"""The bad-input suite: every command that reads a user's file, given a broken one.

Each case makes one small file and runs one command on it. Every case asserts the
same contract: a non-zero exit; every line on stderr is one ``error:`` line naming
the file (and, where the case says so, the row and the field); no traceback;
nothing at the output target, or the previous output there untouched; and no temp
debris beside it.
"""

from __future__ import annotations

import json
import threading
import time
import zipfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner

from geo.cli import main

REAL = Path(__file__).resolve().parents[2] / "shared" / "realdata"
PREVIOUS = "previous output, must survive\n"

# A sites file's text, per case: (case id, file name, content, expected fragments of the error).
GOOD_HEADER = "name,lat,lon,country"
SITES_CSV = [
    ("empty-file", "s.csv", "", ["s.csv", "empty file"]),
    ("header-only", "s.csv", "name,lat,lon\n", ["s.csv", "no rows"]),
    ("nul-bytes", "s.csv", "name,lat,lon\nA\x00,1,2\n", ["s.csv", "NUL"]),
    ("duplicate-header", "s.csv", "name,lat,lat\nA,1,2\n", ["s.csv:1", "'lat' appears twice"]),
    (
        "too-many-fields",
        "s.csv",
        "name,lat,lon\nA,33,-110,extra\n",
        ["s.csv:2", "4 fields, the header has 3"],
    ),
    ("latitude-95", "s.csv", f"{GOOD_HEADER}\nA,95,-110,USA\n", ["s.csv:2 [latitude]", "outside [-90, 90]"]),
    (
        "longitude-200",
        "s.csv",
        f"{GOOD_HEADER}\nA,33,200,USA\n",
        ["s.csv:2 [longitude]", "outside [-180, 180]"],
    ),
    (
        "latitude-text",
        "s.csv",
        f"{GOOD_HEADER}\nA,north,-110,USA\n",
        ["s.csv:2 [latitude]", "expected a number"],
    ),
    (
        "latitude-nan",
        "s.csv",
        f"{GOOD_HEADER}\nA,nan,-110,USA\n",
        ["s.csv:2 [latitude]", "expected a number"],
    ),
    (
        "latitude-inf",
        "s.csv",
        f"{GOOD_HEADER}\nA,inf,-110,USA\n",
        ["s.csv:2 [latitude]", "expected a number"],
    ),
    ("latitude-empty", "s.csv", f"{GOOD_HEADER}\nA,,-110,USA\n", ["s.csv:2 [latitude]", "empty"]),
    ("name-empty", "s.csv", f"{GOOD_HEADER}\n,33,-110,USA\n", ["s.csv:2 [name]", "empty"]),
    (
        "no-name-column",
        "s.csv",
        "title_x,lat,lon\nA,33,-110\n",
        ["s.csv:1 [name]", "no column for the site name"],
    ),
    ("no-coordinates", "s.csv", "name,where\nA,here\n", ["s.csv:1 [latitude/longitude]", "no geometry"]),
    ("swapped", "s.csv", f"{GOOD_HEADER}\nA,-109.36,33.08,USA\n", ["s.csv:2", "outside [-90, 90]"]),
    ("at-sea", "s.csv", f"{GOOD_HEADER}\nA,0,-30,\n", ["s.csv:2 [latitude/longitude]", "at sea"]),
    ("flipped", "s.csv", f"{GOOD_HEADER}\nA,25.9,27.6,ZAF\n", ["s.csv:2", "latitude sign looks flipped"]),
    (
        "wrong-country",
        "s.csv",
        f"{GOOD_HEADER}\nA,-24.27,-69.07,PER\n",
        ["s.csv:2", "not in stated country PER"],
    ),
    ("unknown-country", "s.csv", f"{GOOD_HEADER}\nA,-24.27,-69.07,Narnia\n", ["s.csv:2 [country]", "Narnia"]),
    (
        "duplicate-id",
        "s.csv",
        "id,name,lat,lon\na,A,33.08,-109.36\na,B,33.16,-110.98\n",
        ["s.csv:3 [id]", "duplicate id 'a' (first at row 2)"],
    ),
    (
        "huge-year",
        "s.csv",
        "name,lat,lon,start_year\nA,33.08,-109.36,99999999999999999999\n",
        ["s.csv:2 [start_year]", "whole number"],
    ),
    (
        "fraction-year",
        "s.csv",
        "name,lat,lon,start_year\nA,33.08,-109.36,1999.5\n",
        ["s.csv:2 [start_year]", "whole number"],
    ),
    (
        "unknown-stage",
        "s.csv",
        "name,lat,lon,stage\nA,33.08,-109.36,dreaming\n",
        ["s.csv:2 [stage]", "'dreaming'"],
    ),
    ("unknown-type", "s.csv", "name,lat,lon,type\nA,33.08,-109.36,castle\n", ["s.csv:2 [type]", "'castle'"]),
    (
        "negative-capacity",
        "s.csv",
        "name,lat,lon,capacity,capacity_unit\nA,33.08,-109.36,-5,kt Cu\n",
        ["s.csv:2 [capacity]", "negative"],
    ),
    ("capacity-no-unit", "s.csv", "name,lat,lon,capacity\nA,33.08,-109.36,5\n", ["s.csv:2 [capacity_unit]"]),
    (
        "bad-accuracy",
        "s.csv",
        "name,lat,lon,location_accuracy\nA,33.08,-109.36,roughly\n",
        ["s.csv:2 [location_accuracy]", "roughly"],
    ),
    (
        "unknown-source-id",
        "s.csv",
        "name,lat,lon,sources\nA,33.08,-109.36,no-such-source\n",
        ["s.csv:2 [sources]", "no-such-source"],
    ),
    (
        "us-state-wrong",
        "s.csv",
        "name,lat,lon,country,admin1\nA,33.08,-109.36,USA,NV\n",
        ["s.csv:2 [admin1]", "not in stated state NV"],
    ),
]
LATIN1 = (
    "latin-1",
    "s.csv",
    "name,lat,lon\nS\xe3o Jo\xe3o,-19.9,-43.9\n".encode("latin-1"),
    ["s.csv", "--encoding"],
)
SITE_COMMANDS = {
    "validate": lambda f, out: ["validate", f],
    "import": lambda f, out: ["import", f, "--output", out],
    "join": lambda f, out: ["join", f, "--output", out],
    "query": lambda f, out: ["query", "--sites", f, "--output", out],
}


@dataclass
class Case:
    id: str
    make: object  # callable(tmp_path) -> list of command-line arguments; out is tmp_path/"out"/...
    expect: list[str]
    output: str | None = "out/result.gpkg"
    lines: int | None = None  # exact number of error lines, when known
    env: dict = field(default_factory=dict)


def _sites_case(case_id, name, content, expect, command):
    def make(tmp):
        path = tmp / name
        (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)
        return SITE_COMMANDS[command](path, tmp / "out" / "result.gpkg")

    return Case(f"{command}-{case_id}", make, expect, None if command == "validate" else "out/result.gpkg")


def _vector(tmp, name, gdf, **kw):
    path = tmp / name
    gdf.to_file(path, engine="pyogrio", **kw)
    return path


def _pts(n=2):
    return gpd.GeoDataFrame(
        {"name": [f"P{i}" for i in range(n)]},
        geometry=gpd.points_from_xy([-109.36, -110.98][:n], [33.08, 33.16][:n]),
        crs=4326,
    )


def _no_crs_shp(tmp):
    path = _vector(tmp, "nocrs.shp", _pts())
    path.with_suffix(".prj").unlink()
    return path


def _two_layer_gpkg(tmp):
    path = _vector(tmp, "two.gpkg", _pts(), layer="a")
    _pts().to_file(path, layer="b", engine="pyogrio")
    return path


def _two_member_zip(tmp):
    for n in ("a", "b"):
        _vector(tmp, f"{n}.shp", _pts())
    path = tmp / "two.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for p in tmp.glob("[ab].*"):
            zf.write(p, p.name)
    return path


def _text(name, content):
    def make(tmp):
        path = tmp / name
        path.write_text(content)
        return path

    return make


def _empty_geom_geojson(tmp):
    return _text(
        "e.geojson",
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
        '{"name":"A"},"geometry":null}]}',
    )(tmp)


VECTOR_SITES = [
    ("no-crs-shapefile", _no_crs_shp, ["nocrs.shp", "no CRS"]),
    ("two-layers", _two_layer_gpkg, ["two.gpkg", "several layers (a, b)", "--layer"]),
    ("two-zip-members", _two_member_zip, ["two.zip", "a.shp", "b.shp", "--layer"]),
    ("broken-json", _text("b.geojson", '{"type": "FeatureCollection", "features": [{'), ["b.geojson"]),
    ("not-a-zip", _text("z.zip", "this is not a zip"), ["z.zip", "not a readable zip"]),
    ("empty-geometry", _empty_geom_geojson, ["e.geojson"]),
    ("unknown-suffix", _text("s.dat", "name,lat,lon\nA,1,1\n"), ["s.dat", "cannot import"]),
    ("a-folder", lambda tmp: (tmp / "folder.csv").mkdir() or tmp / "folder.csv", ["folder.csv"]),
    ("missing-file", lambda tmp: tmp / "missing.csv", ["missing.csv"]),
    (
        "symlink-loop",
        lambda tmp: (tmp / "loop.csv").symlink_to(tmp / "loop.csv") or tmp / "loop.csv",
        ["loop.csv"],
    ),
]


def _vector_case(case_id, make_file, expect, command):
    def make(tmp):
        return SITE_COMMANDS[command](make_file(tmp), tmp / "out" / "result.gpkg")

    return Case(f"{command}-{case_id}", make, expect, None if command == "validate" else "out/result.gpkg")


# Mapping files and presets (import) ------------------------------------------------

MAPPINGS = [
    ("unknown-section", "[colums]\nname = 'n'\n", ["m.toml", "colums", "unknown section"]),
    ("unknown-field", "[columns]\nname = 'n'\nheight = 'h'\n", ["m.toml", "columns.height", "unknown field"]),
    ("column-not-a-name", "[columns]\nname = 3\n", ["m.toml", "columns.name"]),
    ("unknown-option", "[columns]\nname = 'n'\n[options]\nfast = true\n", ["m.toml", "options.fast"]),
    (
        "option-wrong-type",
        "[columns]\nname = 'n'\n[options]\nnull_values = 'x'\n",
        ["m.toml", "options.null_values"],
    ),
    ("bad-crs", "[columns]\nname = 'n'\n[options]\ncrs = 'EPSG:99999999'\n", ["m.toml", "options.crs"]),
    (
        "source-incomplete",
        "[columns]\nname = 'n'\n[source]\nyear = 2020\n",
        ["m.toml", "publisher and title"],
    ),
    (
        "source-unknown-key",
        "[columns]\nname = 'n'\n[source]\npublisher='a'\ntitle='b'\nauthor='c'\n",
        ["m.toml", "source.author"],
    ),
    ("invalid-toml", "[columns\nname = 'n'\n", ["m.toml", "invalid TOML"]),
    (
        "missing-column",
        "[columns]\nname = 'site'\nlatitude = 'lat'\nlongitude = 'lon'\n",
        ["s.csv:1 [name]", "'site', which the file does not have"],
    ),
    (
        "unknown-stage-vocabulary",
        "[columns]\nname = 'n'\nlatitude = 'lat'\nlongitude = 'lon'\n[options]\nstage_vocabulary = 'nope'\n",
        ["unknown stage vocabulary 'nope'"],
    ),
    ("value-table-not-text", "[columns]\nname = 'n'\n[values.stage]\nx = 1\n", ["m.toml", "values.stage"]),
    ("defaults-bad", "[columns]\nname = 'n'\n[defaults]\ntype = ['a']\n", ["m.toml", "defaults.type"]),
]


def _mapping_case(case_id, text, expect):
    def make(tmp):
        (tmp / "s.csv").write_text("n,lat,lon\nA,33.08,-109.36\n")
        (tmp / "m.toml").write_text(text)
        return ["import", tmp / "s.csv", "--mapping", tmp / "m.toml", "--output", tmp / "out" / "result.gpkg"]

    return Case(f"mapping-{case_id}", make, expect)


# Federal land and infrastructure (query) ---------------------------------------------


def _fed(make_file, expect, cid):
    def make(tmp):
        return [
            "query",
            "--on-federal-land",
            "--federal-land",
            make_file(tmp),
            "--output",
            tmp / "out" / "result.gpkg",
        ]

    return Case(f"federal-{cid}", make, expect)


def _infra(make_file, expect, cid, klass="rail"):
    def make(tmp):
        return [
            "query",
            f"--{'rail' if klass == 'rail' else 'roads'}",
            make_file(tmp),
            "--farther-than",
            f"{klass}:10km",
            "--output",
            tmp / "out" / "result.gpkg",
        ]

    return Case(f"infrastructure-{cid}", make, expect)


def _lines(tmp, name, geoms, crs=4326):
    return _vector(
        tmp, name, gpd.GeoDataFrame({"name": [f"l{i}" for i in range(len(geoms))]}, geometry=geoms, crs=crs)
    )


def _padus_like(tmp, name, **cols):
    base = {"Mang_Name": ["BLM"], "Unit_Nm": ["x"], "Mang_Type": ["FED"]}
    base.update(cols)
    return _vector(tmp, name, gpd.GeoDataFrame(base, geometry=[shapely.box(-110, 33, -109, 34)], crs=4326))


FEDERAL = [
    (lambda tmp: tmp / "missing.gpkg", ["missing.gpkg"], "missing"),
    (
        lambda tmp: (tmp / "loop.gpkg").symlink_to(tmp / "loop.gpkg") or tmp / "loop.gpkg",
        ["loop.gpkg"],
        "loop",
    ),
    (_text("bad.geojson", "{ not json"), ["bad.geojson"], "broken-json"),
    (lambda tmp: _vector(tmp, "pts.gpkg", _pts()), ["pts.gpkg"], "points-not-land"),
    (
        lambda tmp: _vector(
            tmp, "noagency.gpkg", gpd.GeoDataFrame({"foo": [1]}, geometry=[shapely.box(0, 0, 1, 1)], crs=4326)
        ),
        ["noagency.gpkg"],
        "no-agency",
    ),
    (_text("empty.geojson", '{"type":"FeatureCollection","features":[]}'), ["empty.geojson"], "empty"),
]
INFRA = [
    (
        lambda tmp: _lines(tmp, "r.geojson", [shapely.LineString([(-110, 95), (-111, 34)])]),
        ["r.geojson:1 [geometry]", "outside the range"],
        "latitude-95",
    ),
    (
        lambda tmp: _lines(tmp, "r.geojson", [shapely.LineString([(200, 33), (-111, 34)])]),
        ["r.geojson:1 [geometry]", "outside the range"],
        "longitude-200",
    ),
    (
        lambda tmp: _lines(
            tmp, "r.geojson", [shapely.LineString([(-110, 33), (-111, 34)]), shapely.box(-110, 33, -109, 34)]
        ),
        ["r.geojson:2 [geometry]", "must be a line, not a Polygon"],
        "polygon-as-rail",
    ),
    (
        lambda tmp: _lines(tmp, "r.gpkg", [shapely.LineString([(-110, 33), (float("nan"), 34)])]),
        ["r.gpkg:1 [geometry]", "not numbers"],
        "nan",
    ),
    (
        _text(
            "r.geojson",
            '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"a"},'
            '"geometry":null}]}',
        ),
        ["r.geojson:1 [geometry]", "empty or missing"],
        "null-geometry",
    ),
    (lambda tmp: tmp / "none.geojson", ["none.geojson"], "missing"),
    (_text("r.geojson", "{ nope"), ["r.geojson"], "broken-json"),
    (
        lambda tmp: _lines(tmp, "pt.geojson", [shapely.Point(-110, 33)]),
        ["pt.geojson:1 [geometry]", "must be a line"],
        "point-as-rail",
    ),
]


# Download responses from a loopback server -------------------------------------------


class Responses:
    """A loopback server whose every path is a kind of bad response."""

    def __init__(self):
        outer = self
        self.stop = threading.Event()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                name = self.path.lstrip("/").rsplit("/", 1)[-1]
                if name.endswith((".md5", ".sha256")):
                    self.send_error(404)
                    return
                kind = outer.kind
                if kind == "404":
                    self.send_error(404)
                    return
                self.send_response(200)
                if kind == "truncated-zip":
                    body = outer.zip_bytes[: len(outer.zip_bytes) // 2]
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                elif kind == "truncated-pbf-no-length":
                    self.end_headers()
                    self.wfile.write(outer.pbf_bytes[:-5000])
                    self.close_connection = True
                elif kind == "endless":
                    self.end_headers()
                    chunk = b"x" * 65536
                    try:
                        while not outer.stop.is_set():
                            self.wfile.write(chunk)
                    except OSError:
                        pass
                elif kind == "trickle":
                    self.end_headers()
                    try:
                        for _ in range(200):
                            if outer.stop.is_set():
                                break
                            self.wfile.write(b"x")
                            self.wfile.flush()
                            time.sleep(0.2)
                    except OSError:
                        pass
                elif kind == "stall":
                    self.send_header("Content-Length", "1000")
                    self.end_headers()
                    self.wfile.write(b"x" * 10)
                    self.wfile.flush()
                    outer.stop.wait(10)
                elif kind == "too-big":
                    self.send_header("Content-Length", str(50 << 30))
                    self.end_headers()
                elif kind == "good-zip":
                    self.send_header("Content-Length", str(len(outer.zip_bytes)))
                    self.end_headers()
                    self.wfile.write(outer.zip_bytes)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.kind = "404"
        pbf = REAL / "osm-liechtenstein-2013" / "liechtenstein-2013-08-03.osm.pbf"
        self.pbf_bytes = pbf.read_bytes()
        import io

        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("a.geojson", json.dumps({"type": "FeatureCollection", "features": []}) * 2000)
        self.zip_bytes = buf.getvalue()


@pytest.fixture(scope="module")
def responses():
    server = Responses()
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    yield server
    server.stop.set()
    server.httpd.shutdown()
    server.httpd.server_close()


DOWNLOADS = [
    ("404", ["padus", "--state", "NM"], ["HTTP 404"]),
    ("truncated-zip", ["padus", "--state", "NM"], ["not a valid zip", "discarded"]),
    (
        "truncated-pbf-no-length",
        ["osm", "--region", "europe/liechtenstein"],
        ["truncated OSM PBF", "discarded"],
    ),
    ("endless", ["padus", "--state", "NM", "--max-bytes", "2000000"], ["more than 2,000,000 bytes"]),
    ("trickle", ["padus", "--state", "NM", "--deadline", "1.5"], ["not done after 2 s"]),
    ("stall", ["padus", "--state", "NM", "--stall-timeout", "0.5"], ["interrupted after"]),
    ("too-big", ["padus", "--state", "NM", "--max-bytes", "1000000"], ["over the cap of 1,000,000"]),
    ("good-zip", ["padus", "--state", "NM", "--sha256", "0" * 64], ["sha256 mismatch", "discarded"]),
    ("good-zip", ["padus", "--state", "NM", "--sha256", "nothex"], ["is not a SHA-256"]),
    ("good-zip", ["padus", "--state", "ZZ"], ["--state must be a US state"]),
]


# Output targets and other arguments -------------------------------------------------


def _one_site(*args, content="name,lat,lon\nA,33.08,-109.36\n"):
    """A case maker: a one-site CSV ``s.csv``, then the command ``args`` ("{csv}", "{out}"
    and "{tmp}/..." filled in)."""

    def make(tmp):
        (tmp / "s.csv").write_text(content)
        return [str(a).format(csv=tmp / "s.csv", out=tmp / "out" / "result.gpkg", tmp=tmp) for a in args]

    return make


OUTPUTS = [
    Case(
        "sites-output-under-a-file",
        lambda tmp: (tmp / "afile").write_text("x") and ["sites", "--output", tmp / "afile" / "x.csv"],
        ["afile"],
        output=None,
    ),
    *[
        Case(
            f"sites-output-unwritable-{fmt}",
            lambda tmp, fmt=fmt: ["sites", "--output", f"/proc/minetrack-x.{fmt}"],
            [f"/proc/minetrack-x.{fmt}"],
            output=None,
        )
        for fmt in ("csv", "geojson", "gpkg", "parquet")
    ],
    *[
        Case(
            f"join-output-under-a-file-{fmt}",
            lambda tmp, fmt=fmt: (
                (tmp / "afile").write_text("x") and ["join", "--output", tmp / "afile" / f"x.{fmt}"]
            ),
            ["afile"],
            output=None,
        )
        for fmt in ("csv", "geojson", "gpkg", "parquet")
    ],
    Case(
        "fetch-cache-unwritable",
        lambda tmp: [
            "fetch",
            "padus",
            "--state",
            "NM",
            "--cache",
            "/proc/minetrack-cache",
            "--mirror",
            "http://127.0.0.1:9",
        ],
        ["/proc/minetrack-cache"],
        output=None,
    ),
    Case(
        "sites-output-unknown-suffix",
        lambda tmp: ["sites", "--output", tmp / "out" / "x.xyz"],
        ["x.xyz"],
        output=None,
    ),
    Case(
        "build-out-is-a-file",
        lambda tmp: (
            (tmp / "afile").write_text("x") and ["build", "--out", tmp / "afile", "--map", "us_copper"]
        ),
        ["afile"],
        output=None,
    ),
    Case(
        "png-not-html",
        lambda tmp: (
            (tmp / "x.txt").write_text("hello") and ["png", tmp / "x.txt", "--output", tmp / "out" / "x.png"]
        ),
        ["x.txt", "not a map minetrack built"],
        output="out/x.png",
    ),
    Case(
        "png-missing",
        lambda tmp: ["png", tmp / "none.html", "--output", tmp / "out" / "x.png"],
        ["none.html"],
        output="out/x.png",
    ),
    Case(
        "embed-javascript-src",
        lambda tmp: [
            "embed",
            REAL / "PROVENANCE.md" if (REAL / "PROVENANCE.md").exists() else __file__,
            "--src",
            "javascript:alert(1)",
        ],
        ["only http(s) URLs"],
        output=None,
    ),
    Case(
        "embed-data-src",
        lambda tmp: ["embed", __file__, "--src", "data:text/html,<script>1</script>"],
        ["only http(s) URLs"],
        output=None,
    ),
    Case(
        "import-rejects-without-skip",
        _one_site("import", "{csv}", "--rejects", "{tmp}/r.csv", "--output", "{out}"),
        ["--rejects needs --skip-invalid"],
    ),
    Case(
        "import-unknown-preset",
        _one_site("import", "{csv}", "--preset", "nope", "--output", "{out}"),
        ["unknown preset 'nope'"],
    ),
    Case(
        "import-preset-and-mapping",
        lambda tmp: (
            (tmp / "s.csv").write_text("name,lat,lon\nA,33,-109\n")
            and (tmp / "m.toml").write_text("[columns]\nname='name'\n")
            and [
                "import",
                tmp / "s.csv",
                "--preset",
                "mrds",
                "--mapping",
                tmp / "m.toml",
                "--output",
                tmp / "out" / "result.gpkg",
            ]
        ),
        ["not both"],
    ),
    Case(
        "map-unknown-column",
        _one_site("map", "{csv}", "--color-by", "nope", "--output", "{tmp}/out/m.html"),
        ["no column 'nope'"],
        output="out/m.html",
    ),
    Case(
        "sites-bad-bbox",
        lambda tmp: ["sites", "--bbox", "1,2,3", "--output", tmp / "out" / "result.gpkg"],
        ["--bbox"],
    ),
    Case(
        "sites-within-missing",
        lambda tmp: ["sites", "--within", tmp / "none.gpkg", "--output", tmp / "out" / "result.gpkg"],
        ["none.gpkg"],
    ),
]


def _cases() -> list[Case]:
    cases = []
    for command in SITE_COMMANDS:
        for cid, name, content, expect in [*SITES_CSV, LATIN1]:
            cases.append(_sites_case(cid, name, content, expect, command))
        for cid, make_file, expect in VECTOR_SITES:
            cases.append(_vector_case(cid, make_file, expect, command))
    cases += [_mapping_case(*m) for m in MAPPINGS]
    cases += [_fed(*f) for f in FEDERAL]
    cases += [_infra(*i) for i in INFRA]
    cases += OUTPUTS
    return cases


CASES = _cases()


def _debris(folder: Path) -> list[str]:
    if not folder.exists():
        return []
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


def check(result, case: Case, tmp: Path) -> None:
    text = result.output
    assert result.exit_code != 0, f"{case.id}: exit 0\n{text}"
    assert "Traceback" not in text, f"{case.id}:\n{text}"
    lines = [ln for ln in text.splitlines() if ln.strip()]
    # minetrack's own "error:" lines (exit 1), or click's usage error naming the argument (exit 2).
    problems = [ln for ln in lines if ln.startswith(("error:", "Error:"))]
    assert problems, f"{case.id}: no error line\n{text}"
    # Only error lines (and at most a summary of kept rows) on the way out.
    assert all(
        ln.startswith(("error:", "Error:", "warning:", "Usage:", "Try ")) or "sites kept" in ln
        for ln in lines
    ), f"{case.id}:\n{text}"
    for fragment in case.expect:
        assert any(fragment in ln for ln in problems), f"{case.id}: {fragment!r} not in\n{text}"
    if case.output:
        target = tmp / case.output
        assert target.read_text() == PREVIOUS, f"{case.id}: the previous output was touched"
        assert _debris(target.parent) == [], f"{case.id}: debris {_debris(target.parent)}"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    if case.output:
        (tmp_path / case.output).write_text(PREVIOUS)
    args = [str(a) for a in case.make(tmp_path)]
    result = CliRunner().invoke(main, args)
    check(result, case, tmp_path)


@pytest.mark.parametrize(
    ("kind", "args", "expect"), DOWNLOADS, ids=[f"{d[0]}-{i}" for i, d in enumerate(DOWNLOADS)]
)
def test_bad_download(kind, args, expect, responses, tmp_path):
    responses.kind = kind
    cache = tmp_path / "cache"
    result = CliRunner().invoke(
        main, ["fetch", *args, "--mirror", responses.url, "--cache", str(cache), "--quiet"]
    )
    case = Case(f"download-{kind}", None, expect, output=None)
    check(result, case, tmp_path)
    # Nothing that looks like data: no finished file or manifest; at most a resumable .part.
    left = [p.name for p in cache.rglob("*") if p.is_file()] if cache.exists() else []
    assert all(name.endswith(".part") for name in left), left
    if kind in ("truncated-zip", "truncated-pbf-no-length", "endless", "good-zip"):
        assert left == []  # a download that fails verification, or overflows, is discarded


def test_the_suite_has_at_least_100_cases():
    assert len(CASES) + len(DOWNLOADS) >= 100


def test_full_disk_during_build_leaves_the_site_as_it_was(tmp_path, monkeypatch):
    """A disk that fills up after the first page: the build fails with one line and the
    folder keeps every page of the previous build, byte for byte, with no debris."""
    import errno

    site = tmp_path / "site"
    first = CliRunner().invoke(main, ["build", "--out", str(site)])
    assert first.exit_code == 0
    before = {str(p.relative_to(site)): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    written = []
    real = Path.write_text

    def fill_up(self, *a, **k):
        if written:
            raise OSError(errno.ENOSPC, "No space left on device")
        written.append(self)
        return real(self, *a, **k)

    monkeypatch.setattr(Path, "write_text", fill_up)
    r = CliRunner().invoke(main, ["build", "--out", str(site)])
    assert r.exit_code == 1 and "Traceback" not in r.output
    errors = [ln for ln in r.output.splitlines() if ln.startswith("error:")]
    assert errors == [f"error: {site}: cannot write: No space left on device"]
    assert {str(p.relative_to(site)): p.read_bytes() for p in site.rglob("*") if p.is_file()} == before
    assert _debris(tmp_path) == []
