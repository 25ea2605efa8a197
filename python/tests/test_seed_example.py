"""The seed's example (../shared/seeds: the ModelArts SDK's "删除可视化作业", deleting a
visualization job three ways) against a live `vizjobs serve`: the snippets exactly as the seed
writes them, with only `modelarts` replaced by `vizjobs.modelarts` in the import lines, and the
repository's example script."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from conftest import REPO, SHARED
from vizjobs.modelarts.estimator import VisualizationJob
from vizjobs.modelarts.session import Session

EXAMPLE = REPO / "examples" / "python" / "delete_visualization_job.py"


def seed_snippets() -> list:
    """The seed's three code blocks, the import lines rewritten."""
    seeds = sorted((SHARED / "seeds").glob("*.txt"))
    assert seeds, f"no seed under {SHARED / 'seeds'}"
    text = seeds[0].read_text(encoding="utf-8")
    blocks = [b.strip("\n") for b in re.findall(r"```\s*\n(.*?)```", text, flags=re.S)]
    assert len(blocks) == 3, blocks
    blocks = ["\n".join(line.strip() for line in b.splitlines()) for b in blocks]
    assert "from modelarts.session import Session" in blocks[0]
    return [
        re.sub(r"^from modelarts\.", "from vizjobs.modelarts.", b, flags=re.M) for b in blocks
    ]


def _job_exists(session: Session, job_id: str) -> bool:
    info = VisualizationJob(modelarts_session=session, visualization_id=job_id)
    return info.get_visualization_job_info()["is_success"]


def test_the_seed_snippets_run_as_written(server, session, train_url):
    way1, way2, way3 = seed_snippets()
    assert "from vizjobs.modelarts.estimator import VisualizationJob" in way1

    # Way 1 names job '8992'; on a fresh server it does not exist, and the answer says so
    # the ModelArts way (a dict, not an exception).
    scope: dict = {}
    exec(compile(way1, "seed-way-1", "exec"), scope)
    assert scope["resp"]["is_success"] is False
    assert scope["resp"]["error_code"] == "ModelArts.0103"
    assert isinstance(scope["resp"]["error_msg"], str)

    # Way 1 again, on a server where the job exists: the seed's code with the id it names.
    created = VisualizationJob(modelarts_session=session).create_visualization_job(
        train_url=train_url, job_name="seed-way-1"
    )
    way1_here = way1.replace("visualization_id='8992'", f"visualization_id='{created.job_id}'")
    scope = {}
    exec(compile(way1_here, "seed-way-1", "exec"), scope)
    assert scope["resp"] == {"is_success": True}
    assert not _job_exists(session, created.job_id)

    # Way 2: the object create_visualization_job returned.
    job_visualization_instance = VisualizationJob(
        modelarts_session=session
    ).create_visualization_job(train_url=train_url, job_name="seed-way-2")
    scope = {"job_visualization_instance": job_visualization_instance}
    exec(compile(way2, "seed-way-2", "exec"), scope)
    assert scope["resp"] == {"is_success": True}
    assert not _job_exists(session, job_visualization_instance.job_id)

    # Way 3: an element of get_visualization_job_object_list.
    listed = VisualizationJob(modelarts_session=session).create_visualization_job(
        train_url=train_url, job_name="seed-way-3"
    )
    job_visualization_instance_list = VisualizationJob.get_visualization_job_object_list(
        modelarts_session=session, search_content="seed-way-3"
    )
    assert [j.job_id for j in job_visualization_instance_list] == [listed.job_id]
    scope = {"job_visualization_instance_list": job_visualization_instance_list}
    exec(compile(way3, "seed-way-3", "exec"), scope)
    assert scope["resp"] == {"is_success": True}
    assert not _job_exists(session, listed.job_id)


def test_the_example_script(server, session, train_url):
    text = EXAMPLE.read_text(encoding="utf-8")
    # The seed's lines are in the script as written, but for the import lines and way 1's id.
    for snippet in seed_snippets():
        for line in snippet.splitlines():
            line = line.replace("visualization_id='8992'", "visualization_id=visualization_id")
            assert line in text, line
    env = dict(os.environ)
    env["VIZJOBS_CREDENTIALS"] = str(server.credentials)
    env["VIZJOBS_TRAIN_URL"] = train_url
    env.pop("VISUALIZATION_ID", None)
    run = subprocess.run(
        [sys.executable, str(EXAMPLE)], env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stdout + run.stderr
    for way in (1, 2, 3):
        assert f"way {way}: {{'is_success': True}}" in run.stdout, run.stdout
    left = VisualizationJob.get_visualization_job_list(session, search_content="delete-")
    assert left["job_total_count"] == 0, left


@pytest.mark.parametrize("missing", ["VIZJOBS_CREDENTIALS"])
def test_the_example_script_without_a_server_says_why(tmp_path, missing):
    env = dict(os.environ)
    env[missing] = str(tmp_path / "credentials.json")
    run = subprocess.run(
        [sys.executable, str(EXAMPLE)], env=env, capture_output=True, text=True, timeout=60
    )
    assert run.returncode != 0
    assert "FileNotFoundError" in run.stderr and str(tmp_path) in run.stderr, run.stderr
