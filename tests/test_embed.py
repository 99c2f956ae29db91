"""Embedding: iframe snippets and PNG export."""

from __future__ import annotations

import html
import re

import pytest
from browser import chromium_available

from geo.cli import main
from geo.maps.embed import iframe_snippet, page_title
from geo.maps.render import build_maps


@pytest.fixture(scope="module")
def us_map(tmp_path_factory):
    out = tmp_path_factory.mktemp("maps")
    return build_maps(out, ["us_copper"])[0]


def test_iframe_snippet_src(us_map):
    s = iframe_snippet(us_map, src="https://example.org/m.html", aspect="4:3")
    assert s.startswith("<iframe ") and s.endswith("</iframe>")
    assert 'src="https://example.org/m.html"' in s
    assert "aspect-ratio:4/3" in s and "width:100%" in s
    assert f'title="{html.escape(page_title(us_map))}"' in s


def test_iframe_snippet_fixed_height_and_srcdoc(us_map):
    s = iframe_snippet(us_map, width="640", height="480", srcdoc=True)
    assert "width:640px" in s and "height:480px" in s and "aspect-ratio" not in s
    doc = re.search(r'srcdoc="([^"]*)"', s).group(1)
    assert html.unescape(doc) == us_map.read_text()


@pytest.mark.parametrize("kw", [{"aspect": "wide"}, {"width": "10;color:red"}])
def test_iframe_snippet_rejects_bad_sizes(us_map, kw):
    with pytest.raises(ValueError):
        iframe_snippet(us_map, **kw)


def test_embed_cli(runner, us_map):
    result = runner.invoke(main, ["embed", str(us_map), "--height", "500"])
    assert result.exit_code == 0 and "height:500px" in result.output
    bad = runner.invoke(main, ["embed", str(us_map), "--aspect", "x"])
    assert bad.exit_code == 1 and "invalid aspect" in bad.stderr


@pytest.mark.skipif(not chromium_available(), reason="Debian chromium is not installed")
def test_png_export(runner, us_map, tmp_path):
    from PIL import Image

    out = tmp_path / "us.png"
    result = runner.invoke(main, ["png", str(us_map), "--output", str(out), "--width", "640",
                                  "--height", "400", "--scale", "2"])
    assert result.exit_code == 0, result.output
    assert "alt text: " in result.stderr and "sites" in result.stderr
    img = Image.open(out).convert("RGB")
    assert img.size == (1280, 800)
    colors = img.getcolors(maxcolors=1_000_000)
    assert colors is not None and len(colors) > 50  # not blank: land, sea, points, legend text
    # Some pixels carry the stage palette's production colour of drawn sites.
    from geo.specs.layer import load_layer_spec

    green = load_layer_spec("sites").palettes["stage"]["production"].lstrip("#")
    gr, gg, gb = (int(green[i:i + 2], 16) for i in (0, 2, 4))
    assert any(abs(r - gr) + abs(g - gg) + abs(b - gb) < 40 for _, (r, g, b) in colors)
    assert not list(tmp_path.glob(".*"))


@pytest.mark.skipif(not chromium_available(), reason="Debian chromium is not installed")
def test_srcdoc_iframe_renders(us_map, tmp_path):
    from browser import browser

    host = tmp_path / "host.html"
    host.write_text(f"<!doctype html><body>{iframe_snippet(us_map, width='320', height='400', srcdoc=True)}"
                    "</body>")
    with browser() as b:
        page = b.new_page(viewport={"width": 400, "height": 500})
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:", "about:"))
                   else r.abort())
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(host.as_uri())
        frame = page.frame_locator("iframe")
        frame.locator(".mt-legend").wait_for()
        assert frame.locator(".mt-legend-row").count() > 0
        assert errors == []
