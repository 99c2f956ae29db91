"""``kill -9`` at a random moment, for every writer: the target is the previous file or
the complete new one, never half; the temp files a killed run leaves are swept by the
next run that writes beside them, and only minetrack's own, only stale ones."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

TRIES = 20
MINETRACK = [sys.executable, "-c", "from geo.cli import main; main()"]


def _sites_file(path: Path, n: int = 40_000) -> Path:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "name": [f"site {i}" for i in range(n)],
            "lat": rng.uniform(32.5, 36.5, n),
            "lon": rng.uniform(-113.5, -109.5, n),
            "country": "USA",
        }
    )
    frame.to_csv(path, index=False)
    return path


def _digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def _debris(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def _kill_at_random(args: list[str], cwd: Path, rng: random.Random, longest: float) -> bool:
    """Run the command, kill -9 it after a random delay; True if it finished first."""
    proc = subprocess.Popen(
        args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        proc.wait(timeout=rng.uniform(0.2, longest))
        return True
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return False


WRITERS = {
    # name: (command after the input file, target name, check of a complete target)
    "import-gpkg": (
        ["import", "{src}", "--output", "out.gpkg"],
        "out.gpkg",
        lambda p: len(gpd.read_file(p)) == 40_000,
    ),
    "import-parquet": (
        ["import", "{src}", "--output", "out.parquet"],
        "out.parquet",
        lambda p: len(gpd.read_parquet(p)) == 40_000,
    ),
    "join-csv": (
        ["join", "{src}", "--output", "out.csv"],
        "out.csv",
        lambda p: len(pd.read_csv(p)) == 40_000,
    ),
    "build": (
        ["build", "--map", "us_copper", "--out", "site"],
        "site",
        lambda p: (p / "us-copper.html").read_text().rstrip().endswith("</html>"),
    ),
}


@pytest.mark.parametrize("writer", list(WRITERS))
def test_kill_9_leaves_previous_or_complete_output(writer, tmp_path):
    src = _sites_file(tmp_path / "in.csv")
    template, target_name, complete = WRITERS[writer]
    args = MINETRACK + [a.format(src=src) for a in template]
    target = tmp_path / target_name
    # A first, complete run gives the previous output; time it to choose kill moments.
    started = time.monotonic()
    subprocess.run(args, cwd=tmp_path, check=True, capture_output=True)
    took = time.monotonic() - started
    assert complete(target)
    rng = random.Random(writer)
    finished = killed = 0
    # The kill window follows the machine: a run that finished first narrows it, a
    # killed one widens it, so a shared, noisy machine still gets kills all along a run.
    window = took * 1.1
    for _ in range(TRIES):
        before = _digest(target) if target.is_file() else None
        if _kill_at_random(args, tmp_path, rng, window):
            finished += 1
            window = max(0.3, window * 0.8)
        else:
            killed += 1
            window *= 1.1
        # Either the previous file or a complete new one; never a partial one.
        if target.is_file():
            assert _digest(target) == before or complete(target)
        else:
            assert complete(target)
    assert killed >= TRIES // 4, f"only {killed} of {TRIES} runs were killed: widen the window"
    # The next run sweeps whatever the killed ones left, and writes a complete target.
    subprocess.run(args, cwd=tmp_path, check=True, capture_output=True)
    assert complete(target)
    assert _debris(tmp_path) == []


def test_sweep_removes_only_minetrack_names_older_than_the_process(tmp_path):
    from geo.io.write import _STARTED, sweep_stale

    target = tmp_path / "out.gpkg"
    ours = [
        tmp_path / ".out.gpkg.ab12cd34.gpkg",
        tmp_path / ".out.gpkg.ab12cd34.gpkg-journal",
        tmp_path / ".out.gpkg.build-zz99yy88",
    ]
    others = [tmp_path / ".out.gpkg.keep", tmp_path / ".other.gpkg.ab12cd34.gpkg", tmp_path / "out.gpkg.bak"]
    for p in ours[:2] + others:
        p.write_text("x")
    ours[2].mkdir()
    (ours[2] / "a.html").write_text("x")
    old = _STARTED - 60
    for p in ours + others:
        os.utime(p, (old, old))
    fresh = tmp_path / ".out.gpkg.fresh000.gpkg"  # a live run's file: newer than this process
    fresh.write_text("x")
    removed = sweep_stale(target)
    assert sorted(removed) == sorted(ours)
    assert all(p.exists() for p in [*others, fresh])
