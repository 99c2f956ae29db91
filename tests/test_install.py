"""A non-editable install (wheel) finds its bundled data, layers and recipes.

Builds and installs minetrack into a fresh virtualenv that borrows the running
environment's installed dependencies (a .pth file naming its site-packages;
--no-deps, --no-build-isolation), so no network is needed, then runs the installed
command from an empty folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytest.importorskip("hatchling", reason="install the test extra: pip install '.[test]'")


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    env_dir = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    # Borrow this environment's packages (not the base interpreter's, which may lack them),
    # after the new environment's own site-packages, where minetrack itself will go.
    target = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                            capture_output=True, text=True, check=True).stdout.strip()
    here = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(target) / "_borrowed.pth").write_text("\n".join(sorted(here)) + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "--quiet", "--no-deps",
         "--no-build-isolation", "--no-index", str(ROOT)],
        check=True, capture_output=True, text=True,
    )
    return env_dir


def run(env_dir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([str(env_dir / "bin" / "minetrack"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_installed_package_uses_bundled_copy(installed, tmp_path):
    probe = subprocess.run(
        [str(installed / "bin" / "python"), "-c",
         "import geo, geo.core.paths as p; print(geo.__file__); print(p.data_dir()); "
         "print(p.maps_dir()); print(p.layers_dir())"],
        cwd=tmp_path, capture_output=True, text=True, check=True,
    )
    lines = probe.stdout.splitlines()
    assert all(str(installed) in line for line in lines), lines
    assert all("_bundled" in line for line in lines[1:])


def test_installed_command_validates_and_builds(installed, tmp_path):
    assert run(installed, "validate", cwd=tmp_path).returncode == 0
    out = tmp_path / "maps"
    result = run(installed, "build", "--out", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in out.glob("*.html") if p.name != "index.html")
    assert {"us-copper.html", "world-copper.html"} <= set(names)
    assert len(names) == len(list((ROOT / "maps").glob("*.toml")))
    # The installed build also writes the index and one profile page per site.
    assert (out / "index.html").exists() and len(list((out / "sites").glob("*.html"))) > 100
