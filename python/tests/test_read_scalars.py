"""vizjobs.read_scalars and read_runs against the engine's fixtures (what TensorBoard's and
MindSpore's own readers read from them), and against event files tensorboardX writes here:
NaN and infinities, unicode run names, huge steps."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import vizjobs
from conftest import EVENTS, FIXTURES

COLUMNS = ["run", "tag", "step", "wall_time", "value"]


def f32_bits(values) -> np.ndarray:
    return np.asarray(values, dtype=np.float32).view(np.uint32)


def points(df: pd.DataFrame, run: str, tag: str) -> pd.DataFrame:
    return df[(df["run"] == run) & (df["tag"] == tag)]


def check_frame(df: pd.DataFrame) -> None:
    assert list(df.columns) == COLUMNS
    for name in ("run", "tag"):
        assert pd.api.types.is_string_dtype(df[name].dtype), df[name].dtype
        assert "pyarrow" in str(getattr(df[name].dtype, "storage", "")), df[name].dtype
    assert df["step"].dtype == np.int64
    assert df["wall_time"].dtype == np.float64
    assert df["value"].dtype == np.float32
    keys = list(zip(df["run"].astype(str), df["tag"].astype(str), df["step"]))
    assert keys == sorted(keys), "rows sorted by run, tag, step"


def tensorboard_reads() -> dict:
    return json.loads((FIXTURES / "events-tensorboard-reads.json").read_text())


@pytest.mark.parametrize("logdir", ["tbx_basic", "tf2_style", "layouts"])
def test_every_point_tensorboard_reads(logdir):
    expected = tensorboard_reads()[logdir]
    df = vizjobs.read_scalars(EVENTS / logdir)
    check_frame(df)
    want_series = {(run, tag) for run, e in expected.items() for tag in e["scalars"]}
    got_series = set(zip(df["run"].astype(str), df["tag"].astype(str)))
    assert got_series == want_series
    assert len(df) == sum(
        len(p) for e in expected.values() for p in e["scalars"].values()
    )
    for run, e in expected.items():
        for tag, want in e["scalars"].items():
            got = points(df, run, tag)
            want = np.array(want, dtype=np.float64).reshape(-1, 3)
            assert got["step"].tolist() == want[:, 0].astype(np.int64).tolist(), (run, tag)
            # Exactly equal: wall times as f64 bits, values as f32 bits.
            assert got["wall_time"].to_numpy().view(np.uint64).tolist() == want[:, 1].view(
                np.uint64
            ).tolist(), (run, tag)
            assert f32_bits(got["value"]).tolist() == f32_bits(want[:, 2]).tolist(), (run, tag)


def test_damaged_files_lose_only_damaged_records():
    tb = tensorboard_reads()["damaged"]
    df = vizjobs.read_scalars(str(EVENTS / "damaged"))
    check_frame(df)
    steps = lambda run: points(df, run, "v")["step"].tolist()  # noqa: E731
    assert steps("bad_data_crc") == [s for s in range(20) if s != 4]
    assert steps("bad_length_crc") == [s for s in range(20) if s != 9]
    assert len(steps("truncated_tail")) == 19
    assert set(df["run"].astype(str)) == {"bad_data_crc", "bad_length_crc", "truncated_tail"}
    # At least every point TensorBoard's loader keeps, with the same values.
    for run, e in tb.items():
        for tag, want in e["scalars"].items():
            got = points(df, run, tag).set_index("step")
            for step, wall, value in want:
                assert got.loc[step, "wall_time"] == wall
                assert np.float32(got.loc[step, "value"]) == np.float32(value)


def test_mindspore_summaries_match_mindspore_reads():
    reads = json.loads((FIXTURES / "mindspore-reads.json").read_text())["runs"]
    df = vizjobs.read_scalars(FIXTURES / "mindspore")
    check_frame(df)
    for run, e in reads.items():
        for tag, want in e["scalars"].items():
            got = points(df, run, tag)
            assert got["step"].tolist() == [p[0] for p in want], (run, tag)
            assert f32_bits(got["value"]).tolist() == f32_bits([p[1] for p in want]).tolist()
            assert (got["wall_time"] > 1_500_000_000).all()
    assert {"run_a", "run_b"} <= set(df["run"].astype(str))


def test_runs_and_tags_filters():
    full = vizjobs.read_scalars(EVENTS / "tbx_basic")
    one = vizjobs.read_scalars(EVENTS / "tbx_basic", runs=["eval"], tags="loss")
    want = points(full, "eval", "loss").reset_index(drop=True)
    pd.testing.assert_frame_equal(
        one.astype({"run": str, "tag": str}), want.astype({"run": str, "tag": str})
    )
    both = vizjobs.read_scalars(EVENTS / "tbx_basic", runs=("train", "eval"))
    assert set(both["run"].astype(str)) == {"train", "eval"}
    assert len(both) == (full["run"].isin(["train", "eval"])).sum()
    none = vizjobs.read_scalars(EVENTS / "tbx_basic", runs=["no such run"])
    assert len(none) == 0 and list(none.columns) == COLUMNS


def test_missing_logdir_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError) as err:
        vizjobs.read_scalars(tmp_path / "missing")
    assert "missing" in str(err.value)
    with pytest.raises(FileNotFoundError):
        vizjobs.read_runs(str(tmp_path / "missing"))


def test_an_empty_logdir_gives_an_empty_frame(tmp_path):
    df = vizjobs.read_scalars(tmp_path)
    assert len(df) == 0
    assert list(df.columns) == COLUMNS
    assert vizjobs.read_runs(tmp_path) == []


# ---- logs written here with tensorboardX ----------------------------------------------------


def write_scalars(logdir: Path, run: str, series: dict) -> None:
    """series: tag -> [(step, wall_time, value)]"""
    from tensorboardX import SummaryWriter

    writer = SummaryWriter(str(logdir / run))
    for tag, pts in series.items():
        for step, wall, value in pts:
            writer.add_scalar(tag, value, global_step=step, walltime=wall)
    writer.close()


def test_nan_infinities_unicode_names_and_huge_steps(tmp_path):
    special = [
        (0, 1_700_000_000.0, float("nan")),
        (1, 1_700_000_001.5, float("inf")),
        (2, 1_700_000_002.25, float("-inf")),
        (3, 1_700_000_003.0, -0.0),
        (4, 1_700_000_004.0, 3.4028234663852886e38),  # largest float32
        (5, 1_700_000_005.0, 1e-45),  # smallest subnormal float32
    ]
    huge = [
        (0, 1_700_000_000.0, 1.0),
        (2**31, 1_700_000_001.0, 2.0),
        (2**53 + 1, 1_700_000_002.0, 3.0),  # not exact as a float64
        (2**62, 1_700_000_003.0, 4.0),
        (2**63 - 1, 1_700_000_004.0, 5.0),
    ]
    runs = {
        "训练/运行 ü": {"损失": special, "métrique/准确率": special[:2]},
        "emoji 🚀 (1)": {"loss": huge},
        "plain": {"loss": [(s, 1_700_000_000.0 + s, s / 3) for s in range(1000)]},
    }
    for run, series in runs.items():
        write_scalars(tmp_path, run, series)

    df = vizjobs.read_scalars(tmp_path)
    check_frame(df)
    assert set(df["run"].astype(str)) == set(runs)
    for run, series in runs.items():
        for tag, want in series.items():
            got = points(df, run, tag)
            assert got["step"].tolist() == [p[0] for p in want], (run, tag)
            assert got["wall_time"].tolist() == [p[1] for p in want], (run, tag)
            assert f32_bits(got["value"]).tolist() == f32_bits([p[2] for p in want]).tolist()
    values = points(df, "训练/运行 ü", "损失")["value"].tolist()
    assert math.isnan(values[0]) and values[1] == math.inf and values[2] == -math.inf
    assert math.copysign(1.0, values[3]) == -1.0
    assert points(df, "emoji 🚀 (1)", "loss")["step"].iloc[-1] == 2**63 - 1

    by_name = vizjobs.read_scalars(tmp_path, runs=["训练/运行 ü"], tags=["métrique/准确率"])
    assert len(by_name) == 2

    names = {r["name"]: r for r in vizjobs.read_runs(tmp_path)}
    assert set(names) == set(runs)
    assert set(names["训练/运行 ü"]["tags"]["scalars"]) == {"损失", "métrique/准确率"}


def test_a_restarted_run_keeps_the_newest_records(tmp_path):
    from tensorboardX import SummaryWriter

    first = SummaryWriter(str(tmp_path / "r"), filename_suffix=".a")
    for s in range(10):
        first.add_scalar("x", float(s), global_step=s, walltime=1_700_000_000.0 + s)
    first.close()
    # tensorboardX's purge_step: the second file supersedes steps >= 6 of the first.
    second = SummaryWriter(str(tmp_path / "r"), purge_step=6, filename_suffix=".b")
    for s in range(6, 12):
        second.add_scalar("x", 100.0 + s, global_step=s, walltime=1_800_000_000.0 + s)
    second.close()
    df = vizjobs.read_scalars(tmp_path)
    assert df["step"].tolist() == list(range(12))
    assert df["value"].tolist() == [float(s) for s in range(6)] + [100.0 + s for s in range(6, 12)]


# ---- read_runs ------------------------------------------------------------------------------


def test_read_runs_lists_runs_formats_tags_and_problems():
    runs = {r["name"]: r for r in vizjobs.read_runs(EVENTS / "tbx_basic")}
    expected = tensorboard_reads()["tbx_basic"]
    assert set(expected) <= set(runs)
    for name, r in runs.items():
        assert set(r) >= {"name", "format", "tags", "problems"}
        assert r["format"] == "tensorboard"
        assert r["problems"] == []
    assert set(runs["train"]["tags"]["scalars"]) == set(expected["train"]["scalars"])
    assert "weights/dense" in runs["train"]["tags"]["histograms"]
    assert "samples/input" in runs["train"]["tags"]["images"]

    ms = {r["name"]: r for r in vizjobs.read_runs(FIXTURES / "mindspore")}
    assert {"run_a", "run_b", "graph_run"} <= set(ms)
    assert {r["format"] for r in ms.values()} == {"mindspore"}
    assert {"loss", "accuracy"} <= set(ms["run_a"]["tags"]["scalars"])

    damaged = {r["name"]: r for r in vizjobs.read_runs(EVENTS / "damaged")}
    assert damaged["garbage"]["problems"], damaged["garbage"]
    assert damaged["bad_data_crc"]["problems"], damaged["bad_data_crc"]
    assert "not_an_event_file" in json.dumps(damaged["garbage"]["problems"])


def test_a_logdir_mixing_both_formats(tmp_path):
    import shutil

    shutil.copytree(FIXTURES / "mindspore" / "run_a", tmp_path / "ms")
    shutil.copytree(EVENTS / "tf2_style" / "run_a", tmp_path / "tb")
    formats = {r["name"]: r["format"] for r in vizjobs.read_runs(tmp_path)}
    assert formats == {"ms": "mindspore", "tb": "tensorboard"}
    df = vizjobs.read_scalars(tmp_path)
    assert set(df["run"].astype(str)) == {"ms", "tb"}


def test_older_pandas_get_arrow_strings_too(monkeypatch):
    batch = vizjobs._native.read_scalars(str(EVENTS / "tf2_style"))
    monkeypatch.setattr(pd, "__version__", "2.2.3")
    df = vizjobs._batch_to_frame(batch)
    assert str(df["run"].dtype) == "string" and df["run"].dtype.storage == "pyarrow"
    assert df["value"].dtype == np.float32 and len(df) == batch.num_rows


def test_pathlike_and_str_logdirs_agree():
    a = vizjobs.read_scalars(EVENTS / "tf2_style")
    b = vizjobs.read_scalars(os.fspath(EVENTS / "tf2_style"))
    pd.testing.assert_frame_equal(a, b)
