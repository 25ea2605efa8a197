"""The built wheel, installed with pip into a fresh venv whose PATH has neither cargo nor node:
the `vizjobs` command runs and `import vizjobs` works, with nothing but the wheel (and its
Python dependencies from the package index).

The wheel is `$VIZJOBS_WHEEL` (scripts/test-python sets it to the one scripts/build-wheel
built in the same run); without it the test is skipped, saying so.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EVENTS


@pytest.fixture(scope="module")
def wheel() -> Path:
    given = os.environ.get("VIZJOBS_WHEEL")
    if not given:
        pytest.skip(
            "no wheel was built in this run: VIZJOBS_WHEEL is not set (scripts/test-python "
            "builds one with scripts/build-wheel and sets it)"
        )
    path = Path(given)
    assert path.is_file() and path.suffix == ".whl", f"VIZJOBS_WHEEL={given} is not a wheel"
    return path


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("wheel-venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True)
    pip = [str(root / "bin" / "python"), "-m", "pip", "install", "-q",
           "--disable-pip-version-check"]
    subprocess.run(pip + [str(wheel)], check=True, env=_bare_env(root))
    return root


def _bare_env(venv: Path) -> dict:
    """No cargo, rustc or node anywhere: PATH is the venv's bin folder only."""
    env = {
        k: v for k, v in os.environ.items()
        if not k.startswith(("CARGO", "RUSTUP", "RUSTC", "NODE", "NPM", "VIRTUAL_ENV", "PYTHON"))
    }
    env["PATH"] = str(venv / "bin")
    env["VIRTUAL_ENV"] = str(venv)
    return env


def test_the_venv_has_no_toolchain(venv: Path):
    env = _bare_env(venv)
    for tool in ("cargo", "rustc", "node", "npm"):
        found = subprocess.run(
            [str(venv / "bin" / "python"), "-c",
             f"import shutil, sys; sys.exit(shutil.which({tool!r}) is not None)"],
            env=env,
        )
        assert found.returncode == 0, f"{tool} is on the test venv's PATH"


def test_the_vizjobs_command_runs(venv: Path):
    env = _bare_env(venv)
    run = subprocess.run(["vizjobs", "--help"], env=env, capture_output=True, text=True,
                         timeout=60, executable=str(venv / "bin" / "vizjobs"))
    assert run.returncode == 0, run.stderr
    for command in ("serve", "board", "job", "admin"):
        assert command in run.stdout, run.stdout
    run = subprocess.run([str(venv / "bin" / "vizjobs"), "board", "--help"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and "--logdir" in run.stdout, run.stderr
    bad = subprocess.run([str(venv / "bin" / "vizjobs"), "no-such-command"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0


def test_import_and_read(venv: Path):
    env = _bare_env(venv)
    code = (
        "import vizjobs, vizjobs.modelarts.session, vizjobs.modelarts.estimator, sys;"
        "print(vizjobs.__version__, vizjobs.__file__);"
        "df = vizjobs.read_scalars(sys.argv[1]);"
        "print(len(df), sorted(set(df['run'].astype(str))))"
    )
    run = subprocess.run([str(venv / "bin" / "python"), "-c", code, str(EVENTS / "tf2_style")],
                         env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    version, location = run.stdout.splitlines()[0].split(" ", 1)
    assert location.startswith(str(venv)), location
    assert "['run_a']" in run.stdout
    typed = list(venv.glob("lib/python*/site-packages/vizjobs/py.typed"))
    assert typed, "py.typed is in the wheel"
    module = subprocess.run([str(venv / "bin" / "python"), "-m", "vizjobs", "--version"],
                            env=env, capture_output=True, text=True, timeout=60)
    assert module.returncode == 0 and version in module.stdout, module.stdout + module.stderr
