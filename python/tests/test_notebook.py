"""`%load_ext vizjobs` and `%vizjobs --logdir DIR` through IPython's API: the board starts in
the background, answers, shows inline as an IFrame, and is reused for the same logdir."""

from __future__ import annotations

import json
import urllib.request

import pytest

from conftest import EVENTS, free_port

IPython = pytest.importorskip("IPython")
from IPython.core.interactiveshell import InteractiveShell  # noqa: E402
from IPython.utils.capture import capture_output  # noqa: E402

from vizjobs import notebook  # noqa: E402


@pytest.fixture()
def registry(tmp_path, monkeypatch):
    monkeypatch.setenv("VIZJOBS_NOTEBOOK_DIR", str(tmp_path / "registry"))
    yield tmp_path / "registry"
    notebook.stop()  # every board these tests started, by the pids the registry recorded
    assert notebook.list_boards() == []


@pytest.fixture(scope="module")
def shell():
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "vizjobs")
    return ip


def _get(url: str):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.status, r.read()


def _iframe_html(captured) -> str:
    htmls = [o.data.get("text/html", "") for o in captured.outputs]
    frames = [h for h in htmls if "<iframe" in h]
    assert frames, captured.outputs
    return frames[-1]


def test_magic_starts_shows_and_reuses_a_board(shell, registry):
    port = free_port()
    logdir = EVENTS / "tbx_basic"
    with capture_output() as first:
        shell.run_line_magic("vizjobs", f"--logdir {logdir} --port {port}")
    assert f"Started a vizjobs board on port {port}" in first.stdout
    html = _iframe_html(first)
    assert f'src="http://localhost:{port}/"' in html
    assert 'width="100%"' in html

    # It serves the logdir (the dashboard page and the data API).
    status, _ = _get(f"http://localhost:{port}/")
    assert status == 200
    status, body = _get(f"http://127.0.0.1:{port}/data/runs")
    names = {r["name"] for r in json.loads(body)}
    assert {"train", "eval"} <= names

    [board] = notebook.list_boards()
    assert (board.port, board.logdir) == (port, str(logdir.resolve()))

    # The same logdir again: the running board is reused, no second process.
    with capture_output() as second:
        shell.run_line_magic("vizjobs", f"--logdir {logdir}/ --height 500")
    assert f"Reusing the vizjobs board on port {port} (pid {board.pid})" in second.stdout
    assert 'height="500"' in _iframe_html(second)
    assert [b.pid for b in notebook.list_boards()] == [board.pid]

    # display() for an existing board.
    with capture_output() as shown:
        notebook.display(port=port, height=300)
    assert f"http://localhost:{port}/" in _iframe_html(shown)
    with capture_output() as latest:
        notebook.display()
    assert f"http://localhost:{port}/" in _iframe_html(latest)

    # Another logdir gets its own board.
    with capture_output() as other:
        shell.run_line_magic("vizjobs", f"--logdir {EVENTS / 'tf2_style'}")
    assert "Started a vizjobs board" in other.stdout
    assert len(notebook.list_boards()) == 2

    assert notebook.stop(port=port) == 1
    assert [b.logdir for b in notebook.list_boards()] == [str((EVENTS / "tf2_style").resolve())]


def test_a_stale_entry_is_replaced(shell, registry):
    port = free_port()
    logdir = EVENTS / "layouts"
    with capture_output():
        shell.run_line_magic("vizjobs", f"--logdir {logdir} --port {port}")
    [board] = notebook.list_boards()
    notebook.stop(port=port)
    # The registry entry of a board that has gone is dropped; the next call starts a new one.
    with capture_output() as again:
        shell.run_line_magic("vizjobs", f"--logdir {logdir} --port {port}")
    assert "Started a vizjobs board" in again.stdout
    [new] = notebook.list_boards()
    assert new.pid != board.pid


def test_errors_are_reported(shell, registry, tmp_path):
    with pytest.raises(FileNotFoundError):
        shell.run_line_magic("vizjobs", f"--logdir {tmp_path / 'missing'}")
    # A port already taken: the board exits, and its own message says why.
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(RuntimeError) as err:
            notebook.start(str(EVENTS / "tbx_basic"), port=port, timeout=30)
    assert "exited" in str(err.value) and str(port) in str(err.value)
    # Bad arguments print the usage, and do not end the kernel.
    with capture_output() as usage:
        shell.run_line_magic("vizjobs", "--port 1")
    assert "--logdir" in usage.stderr
    with pytest.raises(RuntimeError, match="no vizjobs board is running"):
        notebook.display()
