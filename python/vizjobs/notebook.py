"""vizjobs boards in Jupyter / IPython, like TensorBoard's ``%tensorboard``.

In a notebook::

    %load_ext vizjobs
    %vizjobs --logdir runs/            # starts `vizjobs board` in the background, shows it inline
    %vizjobs --logdir runs/ --port 6010 --height 600

The board runs as a separate process (``vizjobs board --logdir DIR --listen 127.0.0.1:PORT``)
that outlives the cell, and the kernel too, until :func:`stop` ends it. A second
``%vizjobs --logdir DIR`` reuses the board already serving ``DIR`` (from any kernel of the same
user): every started board is recorded in a small registry folder (``$VIZJOBS_NOTEBOOK_DIR``,
default ``<tempdir>/.vizjobs-info-<uid>``), as TensorBoard's ``manager`` does, and entries whose
process is gone are dropped.

From Python: :func:`start` (returns a :class:`BoardInfo`), :func:`display` for a board that is
already running, :func:`list_boards`, :func:`stop`. IPython is imported only by :func:`display`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shlex
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
import urllib.error
import urllib.request
from typing import Any, Dict, List, Optional, Sequence

__all__ = ["BoardInfo", "start", "display", "list_boards", "stop"]

DEFAULT_PORT = 6006
DEFAULT_HEIGHT = 800
START_TIMEOUT = 60.0


@dataclasses.dataclass(frozen=True)
class BoardInfo:
    """A running board: its process, port and logdir (absolute), as the registry has it."""

    pid: int
    port: int
    logdir: str
    started: float
    command: List[str]
    log: str

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}/"


# ---- the registry ---------------------------------------------------------------------------


def _registry_dir() -> str:
    path = os.environ.get("VIZJOBS_NOTEBOOK_DIR")
    if not path:
        suffix = str(os.getuid()) if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")
        path = os.path.join(tempfile.gettempdir(), f".vizjobs-info-{suffix}")
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


def _entry_path(pid: int) -> str:
    return os.path.join(_registry_dir(), f"board-{pid}.json")


def _write_entry(info: BoardInfo) -> None:
    path = _entry_path(info.pid)
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(dataclasses.asdict(info), f)
    os.replace(tmp, path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    # A zombie (ended, not yet reaped by its parent) still answers kill(0).
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().split(b") ", 1)[1][:1] != b"Z"
    except (OSError, IndexError):
        return True


def _answers(port: int, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=timeout) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def list_boards() -> List[BoardInfo]:
    """The boards started from notebooks that are still running (stale entries are removed)."""
    boards = []
    directory = _registry_dir()
    for name in sorted(os.listdir(directory)):
        if not (name.startswith("board-") and name.endswith(".json")):
            continue
        path = os.path.join(directory, name)
        try:
            with open(path, encoding="utf-8") as f:
                info = BoardInfo(**json.load(f))
        except (OSError, ValueError, TypeError):
            _remove(path)
            continue
        if _alive(info.pid):
            boards.append(info)
        else:
            _remove(path)
    return sorted(boards, key=lambda b: b.started)


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


# ---- starting and stopping ------------------------------------------------------------------


def _vizjobs_command() -> List[str]:
    """The ``vizjobs`` console script of this interpreter's environment, else
    ``python -m vizjobs``."""
    scripts = sysconfig.get_path("scripts")
    for name in ("vizjobs", "vizjobs.exe"):
        candidate = os.path.join(scripts, name) if scripts else ""
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return [candidate]
    return [sys.executable, "-m", "vizjobs"]


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: str, limit: int = 2000) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - limit))
            return f.read().decode("utf-8", "replace").strip()
    except OSError:
        return ""


def start(
    logdir: str,
    port: Optional[int] = None,
    extra_args: Sequence[str] = (),
    timeout: float = START_TIMEOUT,
) -> "tuple[BoardInfo, bool]":
    """Starts ``vizjobs board`` on ``logdir``, or finds the one already serving it.

    Args:
        logdir: the folder to serve (it must exist).
        port: the port to listen on (127.0.0.1); by default 6006 if free, else any free port.
            A board already serving ``logdir`` on another port is reused only when no port is
            asked for.
        extra_args: more ``vizjobs board`` arguments (e.g. ``["--title", "exp 3"]``).
        timeout: seconds to wait for the new board to answer.

    Returns:
        ``(info, reused)``.

    Raises:
        FileNotFoundError: ``logdir`` is not a directory.
        RuntimeError: the board exited or did not answer in time (its output is in the
            message).
    """
    logdir = os.path.realpath(os.path.expanduser(os.fspath(logdir)))
    if not os.path.isdir(logdir):
        raise FileNotFoundError(f"no such log directory: {logdir}")
    for info in list_boards():
        if info.logdir == logdir and (port is None or info.port == port) and _answers(info.port):
            return info, True
    if port is None:
        port = DEFAULT_PORT if _port_free(DEFAULT_PORT) else _free_port()
    command = _vizjobs_command() + [
        "board",
        "--logdir",
        logdir,
        "--listen",
        f"127.0.0.1:{port}",
        *extra_args,
    ]
    log_path = os.path.join(_registry_dir(), f"board-{os.getpid()}-{port}-{time.time_ns()}.log")
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            close_fds=True,
            # Its own session: an interrupted cell or a restarted kernel does not end it.
            start_new_session=(os.name == "posix"),
        )
    deadline = time.monotonic() + timeout
    while not _answers(port, timeout=0.5):
        code = process.poll()
        if code is not None:
            raise RuntimeError(
                f"vizjobs board exited with code {code} before answering on port {port}:\n"
                f"{_tail(log_path)}"
            )
        if time.monotonic() > deadline:
            process.kill()
            process.wait()
            raise RuntimeError(
                f"vizjobs board did not answer on port {port} within {timeout:.0f} s:\n"
                f"{_tail(log_path)}"
            )
        time.sleep(0.1)
    info = BoardInfo(
        pid=process.pid,
        port=port,
        logdir=logdir,
        started=time.time(),
        command=command,
        log=log_path,
    )
    _write_entry(info)
    return info, False


def stop(port: Optional[int] = None, logdir: Optional[str] = None, timeout: float = 10.0) -> int:
    """Stops the notebook boards on ``port`` and/or serving ``logdir`` (every one when both
    are ``None``); returns how many were stopped."""
    import signal

    wanted_dir = os.path.realpath(os.path.expanduser(logdir)) if logdir else None
    stopped = 0
    for info in list_boards():
        if port is not None and info.port != port:
            continue
        if wanted_dir is not None and info.logdir != wanted_dir:
            continue
        try:
            os.kill(info.pid, signal.SIGTERM)
        except OSError:
            pass
        deadline = time.monotonic() + timeout
        while _alive(info.pid) and time.monotonic() < deadline:
            _reap(info.pid)
            time.sleep(0.05)
        if _alive(info.pid):
            try:
                os.kill(info.pid, signal.SIGKILL)
            except OSError:
                pass
        _reap(info.pid)
        _remove(_entry_path(info.pid))
        stopped += 1
    return stopped


def _reap(pid: int) -> None:
    """Collects the exit status when this process started the board (no zombie left)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except (ChildProcessError, OSError):
        pass


# ---- showing ----------------------------------------------------------------------------------


def display(port: Optional[int] = None, height: int = DEFAULT_HEIGHT) -> None:
    """Shows a running board inline (an IFrame of ``http://localhost:PORT/``).

    Args:
        port: the board's port; by default the most recently started notebook board.
        height: the frame's height in pixels.

    Raises:
        RuntimeError: no port given and no notebook board is running.
    """
    if port is None:
        boards = list_boards()
        if not boards:
            raise RuntimeError(
                "no vizjobs board is running: start one with %vizjobs --logdir DIR "
                "(or vizjobs.notebook.start)"
            )
        port = boards[-1].port
    from IPython.display import IFrame
    from IPython.display import display as show

    show(IFrame(src=f"http://localhost:{port}/", width="100%", height=height))


# ---- the magic --------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="%vizjobs",
        description="Start (or reuse) a vizjobs board on a logdir and show it inline.",
        add_help=True,
    )
    parser.add_argument("--logdir", required=True, help="the folder to serve")
    parser.add_argument("--port", type=int, default=None, help="port on 127.0.0.1")
    parser.add_argument("--height", type=int, default=DEFAULT_HEIGHT, help="frame height (px)")
    parser.add_argument(
        "--timeout", type=float, default=START_TIMEOUT, help="seconds to wait for it to answer"
    )
    return parser


def vizjobs_magic(line: str) -> None:
    """``%vizjobs --logdir DIR [--port P] [--height H] [other vizjobs board arguments]``."""
    try:
        args, extra = _parser().parse_known_args(shlex.split(line))
    except SystemExit:
        # argparse printed the usage or the error; a magic must not end the kernel.
        return None
    info, reused = start(args.logdir, port=args.port, extra_args=extra, timeout=args.timeout)
    if reused:
        print(
            f"Reusing the vizjobs board on port {info.port} (pid {info.pid}) serving "
            f"{info.logdir}; vizjobs.notebook.stop(port={info.port}) ends it."
        )
    else:
        print(f"Started a vizjobs board on port {info.port} (pid {info.pid}) for {info.logdir}.")
    display(port=info.port, height=args.height)
    return None


def _load_ipython_extension(ipython: Any) -> None:
    ipython.register_magic_function(vizjobs_magic, magic_kind="line", magic_name="vizjobs")
