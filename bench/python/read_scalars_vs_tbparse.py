#!/usr/bin/env python3
"""vizjobs.read_scalars vs tbparse's SummaryReader(...).scalars, side by side in one run.

Both read every scalar point of the 5-run reference logdir of ../shared/bench (5 runs × 20 tags ×
20,000 steps = 2,000,000 points, plus histograms, images and text: 127 MB) into a pandas
DataFrame. Repetitions alternate (A B, B A, ...) on a warm page cache (every file is read
before each timed call); the medians and their ratio are printed. Then the two frames are
checked to hold the same rows: the same (run, tag, step) keys and equal values as float32.

tbparse is timed as ``SummaryReader(logdir, extra_columns={"dir_name"}).scalars``: without
``dir_name`` its frame has no run column, so the runs could not be told apart (the option costs
it little; ``--tbparse-plain`` times the bare ``SummaryReader(logdir).scalars`` instead and
checks (tag, step) multisets).

Set-up (once; see bench/README.md):
    python3 -m venv /tmp/vizjobs-bench/pyvenv
    /tmp/vizjobs-bench/pyvenv/bin/pip install tbparse tensorboard==2.21.0 tensorboardX==2.6.5 \
        numpy pillow pandas pyarrow
    scripts/build-wheel && /tmp/vizjobs-bench/pyvenv/bin/pip install --force-reinstall \
        --no-deps target/wheels/vizjobs-*.whl
Run:
    /tmp/vizjobs-bench/pyvenv/bin/python bench/python/read_scalars_vs_tbparse.py [--reps 3]

The logdir is generated with ../shared/bench/gen.py on first use (about 2 minutes on 2 cores),
then reused (it is complete when LOGDIR.manifest.json exists).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("VIZJOBS_SHARED") or REPO.parent / "shared")
GEN_ARGS = [
    "--runs", "5", "--tags", "20", "--steps", "20000",
    "--hist-tags", "2", "--hist-every", "100",
    "--image-tags", "1", "--image-every", "1000",
    "--text-tags", "1", "--text-every", "1000",
]


def ensure_logdir(logdir: Path) -> None:
    manifest = Path(f"{logdir}.manifest.json")
    if manifest.exists():
        return
    print(f"generating the 5-run reference logdir at {logdir} (about 2 minutes)...", flush=True)
    # --force: an interrupted generation (no manifest yet) starts over.
    subprocess.run(
        [sys.executable, str(SHARED / "bench" / "gen.py"), "--force", "--out", str(logdir),
         *GEN_ARGS],
        check=True,
    )


def warm(logdir: Path) -> int:
    """Reads every file, so each timed call starts on a warm page cache."""
    total = 0
    for path in logdir.rglob("*"):
        if path.is_file():
            with open(path, "rb") as f:
                while chunk := f.read(1 << 20):
                    total += len(chunk)
    return total


def run_vizjobs(logdir: Path):
    import vizjobs

    return vizjobs.read_scalars(str(logdir))


def run_tbparse(logdir: Path, plain: bool):
    from tbparse import SummaryReader

    if plain:
        return SummaryReader(str(logdir)).scalars
    return SummaryReader(str(logdir), extra_columns={"dir_name"}).scalars


def same_rows(ours, theirs, plain: bool) -> str:
    """Checks both frames hold the same points; returns a one-line summary, raises if not."""
    import numpy as np

    if len(ours) != len(theirs):
        raise AssertionError(f"row counts differ: vizjobs {len(ours):,}, tbparse {len(theirs):,}")
    if plain:
        a = ours[["tag", "step", "value"]].astype({"tag": str})
        b = theirs[["tag", "step", "value"]].astype({"tag": str})
        keys = ["tag", "step", "value"]
    else:
        a = ours[["run", "tag", "step", "value"]].astype({"run": str, "tag": str})
        b = theirs.rename(columns={"dir_name": "run"})[["run", "tag", "step", "value"]]
        b = b.astype({"run": str, "tag": str})
        keys = ["run", "tag", "step"]
    a = a.assign(value=a["value"].astype(np.float32))
    b = b.assign(value=b["value"].astype(np.float32))
    a = a.sort_values(keys, kind="stable").reset_index(drop=True)
    b = b.sort_values(keys, kind="stable").reset_index(drop=True)
    for col in keys:
        if col == "value":
            continue
        if not (a[col].to_numpy() == b[col].to_numpy()).all():
            raise AssertionError(f"column {col} differs after sorting by {keys}")
    va, vb = a["value"].to_numpy(), b["value"].to_numpy()
    if not np.array_equal(va, vb, equal_nan=True):
        bad = int((~((va == vb) | (np.isnan(va) & np.isnan(vb)))).sum())
        raise AssertionError(f"{bad} values differ as float32")
    series = a.groupby(keys[:-1] if not plain else ["tag"], observed=True).ngroups
    return f"same {len(a):,} rows ({series} series): keys {tuple(keys)} equal, values equal as float32"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--logdir", default="/tmp/vizjobs-bench/small",
                   help="the 5-run reference logdir (generated there if missing)")
    p.add_argument("--reps", type=int, default=3, help="timed calls of each reader")
    p.add_argument("--tbparse-plain", action="store_true",
                   help="time SummaryReader(logdir).scalars without dir_name")
    p.add_argument("--json", help="write the timings here too")
    args = p.parse_args()

    logdir = Path(args.logdir)
    ensure_logdir(logdir)
    import pandas
    import tbparse
    import vizjobs

    size = warm(logdir)
    print(f"== {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load "
          f"{os.getloadavg()[0]:.2f}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"pandas {pandas.__version__}, vizjobs {vizjobs.__version__}, tbparse "
          f"{getattr(tbparse, '__version__', '?')}")
    print(f"== {logdir}: {size / 1e6:.1f} MB, {args.reps} reps each, alternating, warm cache")

    times = {"vizjobs": [], "tbparse": []}
    frames = {}
    readers = {
        "vizjobs": lambda: run_vizjobs(logdir),
        "tbparse": lambda: run_tbparse(logdir, args.tbparse_plain),
    }
    for rep in range(args.reps):
        order = ["vizjobs", "tbparse"] if rep % 2 == 0 else ["tbparse", "vizjobs"]
        for name in order:
            warm(logdir)
            frames.pop(name, None)  # the previous frame's memory is freed before timing
            start = time.perf_counter()
            frame = readers[name]()
            elapsed = time.perf_counter() - start
            times[name].append(elapsed)
            frames[name] = frame
            print(f"  rep {rep + 1} {name:8s} {elapsed:8.3f} s  ({len(frame):,} rows)", flush=True)

    med = {k: statistics.median(v) for k, v in times.items()}
    ratio = med["tbparse"] / med["vizjobs"]
    check = same_rows(frames["vizjobs"], frames["tbparse"], args.tbparse_plain)
    print()
    print(f"vizjobs.read_scalars   median {med['vizjobs']:8.3f} s  "
          f"(min {min(times['vizjobs']):.3f}, max {max(times['vizjobs']):.3f})")
    tb_form = "SummaryReader(logdir).scalars" if args.tbparse_plain else \
        "SummaryReader(logdir, extra_columns={'dir_name'}).scalars"
    print(f"tbparse {tb_form}  median {med['tbparse']:8.3f} s  "
          f"(min {min(times['tbparse']):.3f}, max {max(times['tbparse']):.3f})")
    print(f"ratio (tbparse / vizjobs): {ratio:.1f}x   target >= 50x: "
          f"{'met' if ratio >= 50 else 'MISSED'}")
    print(f"rows: {check}")
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"times": times, "medians": med, "ratio": ratio, "check": check,
             "logdir": str(logdir), "bytes": size, "tbparse_form": tb_form}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
