"""``minetrack png --view``: the picture shows the view asked for (Chromium, offline).

Its own module: ``png`` drives Playwright itself, which cannot run while another test's
browser is open in the same process.
"""

from __future__ import annotations

import numpy as np
import pytest
from browser import browser, chromium_available, open_page

from geo.cli import main
from geo.maps.embed import PRINT_HIDE

pytestmark = pytest.mark.skipif(not chromium_available(), reason="Debian chromium is not installed")


def test_png_view_gives_the_requested_view(runner, site, tmp_path):
    from PIL import Image, ImageChops

    page_file = site / "us-copper.html"
    view = "map=7/33/-111&filters=stage:production"
    out, default = tmp_path / "view.png", tmp_path / "default.png"
    for path, extra in ((out, ["--view", view]), (default, [])):
        r = runner.invoke(main, ["png", str(page_file), "--output", str(path), "--width", "800",
                                 "--height", "600", *extra])
        assert r.exit_code == 0, r.output
    # The same view opened in the browser by hand, controls hidden as png hides them.
    with browser() as b:
        page, _ = open_page(b, page_file.as_uri() + "#" + view, width=800, height=600)
        page.add_style_tag(content=PRINT_HIDE)
        page.wait_for_timeout(300)
        page.screenshot(path=str(tmp_path / "browser.png"))
        page.close()
    ref = Image.open(tmp_path / "browser.png").convert("RGB")

    def differing(path) -> float:
        """The share of pixels that differ visibly (sea against land is a difference of ~20)."""
        diff = np.asarray(ImageChops.difference(Image.open(path).convert("RGB"), ref)).max(axis=2)
        return float((diff > 8).mean())

    assert differing(out) < 0.01
    assert differing(default) > 0.2
    bad = runner.invoke(main, ["png", str(page_file), "--output", str(out), "--view", "map=1/2/3\"><x"])
    assert bad.exit_code != 0 and "--view" in bad.stderr
