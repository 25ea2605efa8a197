"""Shared fixtures: the shared material, a live `vizjobs serve`, a session on it.

Environment:
    VIZJOBS_SHARED  the shared material (fixtures, seeds) [default: <repo>/../shared]
    VIZJOBS_BIN     a built `vizjobs` binary to run the server with [default: this venv's
                    `vizjobs` console script, else `python -m vizjobs`]
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("VIZJOBS_SHARED") or REPO.parent / "shared").resolve()
FIXTURES = SHARED / "fixtures"
EVENTS = FIXTURES / "events"


def vizjobs_command() -> List[str]:
    """How to run the `vizjobs` CLI in tests."""
    given = os.environ.get("VIZJOBS_BIN")
    if given:
        return [given]
    script = Path(sysconfig.get_path("scripts")) / "vizjobs"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "vizjobs"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env() -> Dict[str, str]:
    """The environment without VIZJOBS_* settings (they would configure the server)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("VIZJOBS_")}


class Server:
    def __init__(self, tmp: Path) -> None:
        self.data = tmp / "data"
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.credentials = self.data / "credentials.json"
        self.log = tmp / "server.log"
        command = vizjobs_command() + [
            "serve",
            "--listen",
            f"127.0.0.1:{self.port}",
            "--data-dir",
            str(self.data),
            "--log-root",
            f"{EVENTS}:{FIXTURES / 'mindspore'}",
            "--job-quota",
            "100000",
        ]
        env = clean_env()
        env["RUST_LOG"] = "warn"
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env
            )
        deadline = time.monotonic() + 120
        while not (self.credentials.exists() and self._ready()):
            if self.process.poll() is not None:
                raise RuntimeError(f"vizjobs serve exited:\n{self.log.read_text()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"vizjobs serve not ready in 120 s:\n{self.log.read_text()}")
            time.sleep(0.1)
        self.creds = json.loads(self.credentials.read_text())

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.endpoint}/readyz", timeout=1) as r:
                return r.status == 200
        except OSError:
            return False

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A fresh `vizjobs serve` (SQLite, its own data dir, log roots: the shared event
    and MindSpore fixtures), with VIZJOBS_CREDENTIALS pointing at its credentials.json."""
    srv = Server(tmp_path_factory.mktemp("serve"))
    saved = os.environ.get("VIZJOBS_CREDENTIALS")
    os.environ["VIZJOBS_CREDENTIALS"] = str(srv.credentials)
    try:
        yield srv
    finally:
        if saved is None:
            os.environ.pop("VIZJOBS_CREDENTIALS", None)
        else:
            os.environ["VIZJOBS_CREDENTIALS"] = saved
        srv.stop()


@pytest.fixture(scope="session")
def train_url() -> str:
    return str(EVENTS / "tbx_basic") + os.sep


@pytest.fixture()
def session(server: Server):
    from vizjobs.modelarts.session import Session

    return Session()


def pytest_report_header(config: pytest.Config) -> List[str]:
    import vizjobs

    return [
        f"vizjobs {vizjobs.__version__} from {Path(vizjobs.__file__).parent}",
        f"vizjobs CLI: {' '.join(vizjobs_command())}; shared material: {SHARED}",
    ]


def which(name: str) -> str:
    return shutil.which(name) or ""
