"""read_scalars on an `s3://` logdir, read with the server's VIZJOBS_S3_* settings, from a real
S3-compatible server on loopback (moto's `moto_server`, which `.ci/s3.sh` installs; as in the
Rust tests, not finding it is a failure, not a skip)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request

import pandas as pd
import pytest

import vizjobs
from conftest import EVENTS, FIXTURES, free_port

BUCKET = "training"


def _moto() -> str:
    exe = os.environ.get("VIZJOBS_S3_TEST_SERVER") or shutil.which("moto_server")
    if not exe:
        pytest.fail("moto_server is not installed: run .ci/s3.sh (or set VIZJOBS_S3_TEST_SERVER)")
    return exe


def _request(method: str, url: str, body: bytes = b"") -> None:
    # An explicit content type: with urllib's default (a form), moto stalls on some bodies.
    req = urllib.request.Request(
        url,
        data=body if method == "PUT" else None,
        method=method,
        headers={"Content-Type": "application/octet-stream"},
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.status == 200, (method, url, r.status)


@pytest.fixture(scope="module")
def s3():
    port = free_port()
    process = subprocess.Popen(
        [_moto(), "-H", "127.0.0.1", "-p", str(port)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"moto_server did not come up on port {port}")
                time.sleep(0.1)
        endpoint = f"http://127.0.0.1:{port}"
        _request("PUT", f"{endpoint}/{BUCKET}")
        for prefix, local in (("tb", EVENTS / "tbx_basic"), ("ms", FIXTURES / "mindspore")):
            for path in sorted(local.rglob("*")):
                if path.is_file():
                    key = f"{prefix}/{path.relative_to(local).as_posix()}"
                    quoted = urllib.request.quote(key)
                    _request("PUT", f"{endpoint}/{BUCKET}/{quoted}", path.read_bytes())
        yield endpoint
    finally:
        process.kill()
        process.wait()


@pytest.fixture()
def s3_env(s3, monkeypatch):
    for key in list(os.environ):
        if key.startswith("VIZJOBS_S3_"):
            monkeypatch.delenv(key)
    for key, value in {
        "VIZJOBS_S3_ENDPOINT": s3,
        "VIZJOBS_S3_REGION": "us-east-1",
        "VIZJOBS_S3_ACCESS_KEY_ID": "testing",
        "VIZJOBS_S3_SECRET_ACCESS_KEY": "testing",
        "VIZJOBS_S3_PATH_STYLE": "true",
        "VIZJOBS_S3_ALLOW_HTTP": "true",
        "VIZJOBS_S3_ALLOW": BUCKET,
        "VIZJOBS_S3_RETRIES": "0",
    }.items():
        monkeypatch.setenv(key, value)
    return s3


@pytest.mark.parametrize("prefix,local", [("tb", EVENTS / "tbx_basic"), ("ms", FIXTURES / "mindspore")])
def test_s3_logdir_reads_the_same_points(s3_env, prefix, local):
    remote = vizjobs.read_scalars(f"s3://{BUCKET}/{prefix}")
    here = vizjobs.read_scalars(local)
    assert len(remote) > 0
    pd.testing.assert_frame_equal(
        remote.astype({"run": str, "tag": str}), here.astype({"run": str, "tag": str})
    )
    filtered = vizjobs.read_scalars(f"s3://{BUCKET}/{prefix}/", tags=["loss"])
    assert set(filtered["tag"].astype(str)) == {"loss"}
    runs = {r["name"] for r in vizjobs.read_runs(f"s3://{BUCKET}/{prefix}")}
    assert runs == {r["name"] for r in vizjobs.read_runs(local)}


def test_unreachable_s3_raises(s3_env, monkeypatch):
    monkeypatch.setenv("VIZJOBS_S3_ENDPOINT", f"http://127.0.0.1:{free_port()}")
    with pytest.raises((vizjobs.VizjobsError, OSError)):
        vizjobs.read_scalars(f"s3://{BUCKET}/tb")
