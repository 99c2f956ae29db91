"""Specs mean what they say: every key honoured or refused, sources drawn as named."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from geo.core.errors import DataError
from geo.core.paths import data_dir
from geo.facts.sites import load_sites
from geo.maps.page import map_html
from geo.maps.render import render_recipe
from geo.specs.kinds import KINDS, kind_of
from geo.specs.layer import load_layer, load_layer_spec
from geo.specs.recipe import load_recipe


def config_of(page: str) -> dict:
    m = re.search(r'<script type="application/json" id="[^"]+-data">(.*?)</script>', page, re.S)
    return json.loads(m.group(1))


@pytest.fixture
def project(tmp_path) -> Path:
    """A user's project: layers/, maps/ and data/ side by side, with a 2-row sites file."""
    for sub in ("layers", "maps", "data"):
        (tmp_path / sub).mkdir()
    lines = (data_dir() / "sites.csv").read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1:]
    picked = [r for r in rows if r.startswith(("andina,", "antamina,"))]
    (tmp_path / "data" / "my_sites.csv").write_text("\n".join([header, *picked]) + "\n", encoding="utf-8")
    shutil.copy(data_dir() / "sources.csv", tmp_path / "data" / "sources.csv")
    (tmp_path / "layers" / "two_sites.toml").write_text(
        'name = "two_sites"\nkind = "sites"\nsource = "my_sites.csv"\nid_field = "id"\n'
        'label_field = "name"\npopup_fields = ["stage"]\n[size]\nfield = "capacity"\nunit_prefix = "kt"\n')
    return tmp_path


def recipe(project: Path, body: str) -> Path:
    path = project / "maps" / "mine.toml"
    path.write_text('title = "Mine"\n[[layers]]\nlayer = "two_sites"\n' + body)
    return path


def drawn_ids(page: str) -> list[str]:
    return [i for layer in config_of(page)["layers"] if "kind" not in layer for i in layer["fields"]["id"]]


def test_a_spec_source_is_what_its_map_draws(project):
    assert len(load_layer("two_sites", folder=project / "layers")) == 2
    page = map_html(render_recipe(load_recipe(recipe(project, ""))))
    assert sorted(drawn_ids(page)) == ["andina", "antamina"]


def test_size_by_sizes_by_that_field_and_says_so(project):
    page = map_html(render_recipe(load_recipe(recipe(project, 'size_by = "start_year"\n'))))
    layers = [layer for layer in config_of(page)["layers"] if "kind" not in layer]
    assert layers[0]["size_note"] == "Circle area: Start year"
    sites = load_sites(project / "data" / "my_sites.csv").set_index("id")
    radii = dict(zip(layers[0]["fields"]["id"], __import__("base64").b64decode(layers[0]["radius"]),
                     strict=True))
    # Area grows with the start year: the earlier start gets the smaller circle.
    order = sorted(radii, key=lambda i: sites.loc[i, "start_year"])
    assert radii[order[0]] <= radii[order[-1]]
    capacity = map_html(render_recipe(load_recipe(recipe(project, 'size_by = "capacity"\n'))))
    by_capacity = next(la for la in config_of(capacity)["layers"] if "kind" not in la)
    assert by_capacity["radius"] != layers[0]["radius"]


def test_recipe_popup_is_honoured_for_sites(project):
    page = map_html(render_recipe(load_recipe(recipe(project, 'popup = ["commodities"]\n'))))
    layer = next(la for la in config_of(page)["layers"] if "kind" not in la)
    assert [p[1] for p in layer["popup"]] == ["commodities", "owners"]


@pytest.mark.parametrize("body,key", [
    ('bins = [0, 5]\ncolors = ["#000", "#fff"]\n', "layers[1].bins"),
    ('colour_by = "stage"\n', "layers[1].colour_by"),
    ('filter = { countries = "USA" }\n', "layers[1].filter.countries"),
])
def test_recipe_keys_a_kind_does_not_use_are_refused(project, body, key):
    with pytest.raises(DataError) as err:
        load_recipe(recipe(project, body))
    assert any(p.field == key and p.file.endswith("mine.toml") for p in err.value.problems), err.value


def test_recipe_field_that_does_not_exist_is_refused(project):
    with pytest.raises(DataError, match=r"mine\.toml \[layers\[1\]\.color_by\]: layer 'two_sites' has no"):
        render_recipe(load_recipe(recipe(project, 'color_by = "colour"\n')))


def test_unknown_recipe_key_is_refused(project):
    path = recipe(project, "")
    path.write_text('subtitle = "x"\n' + path.read_text())
    with pytest.raises(DataError, match=r"mine\.toml \[subtitle\]: unknown recipe key"):
        load_recipe(path)


@pytest.mark.parametrize("extra,key", [
    ('colour = "red"\n', "colour"),
    ('[size]\nfeild = "capacity"\n', "size.feild"),
    ('[filter]\nstages = "production"\n', "filter.stages"),
])
def test_layer_spec_keys_are_checked(project, extra, key):
    path = project / "layers" / "two_sites.toml"
    path.write_text(path.read_text().replace('[size]\nfield = "capacity"\nunit_prefix = "kt"\n', "") + extra)
    with pytest.raises(DataError) as err:
        load_layer_spec("two_sites", project / "layers")
    assert [p.field for p in err.value.problems] == [key]
    assert err.value.problems[0].file.endswith("two_sites.toml")


def test_every_bundled_layer_parses_and_names_a_registered_kind():
    from geo.specs.layer import layer_names

    for name in layer_names():
        spec = load_layer_spec(name)
        assert spec.kind in KINDS and kind_of(spec.kind).name == spec.kind


def test_every_kind_has_a_runtime_drawing_class():
    js = (Path(__import__("geo").__file__).parent / "maps" / "static" / "minetrack.js").read_text()
    block = js[js.index("MT.kinds = {"):]
    block = block[: block.index("};")]
    for name in KINDS:
        assert re.search(rf"\b{kind_of(name).js}:", block), name


def test_unknown_kind_is_refused(project):
    (project / "layers" / "odd.toml").write_text('name = "odd"\nkind = "heatmap"\nsource = "x.csv"\n')
    with pytest.raises(DataError, match=r"odd\.toml \[kind\]: unknown kind 'heatmap'"):
        load_layer_spec("odd", project / "layers")
