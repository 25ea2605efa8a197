"""vizjobs.modelarts against a live `vizjobs serve`: every call of the ModelArts SDK's
VisualizationJob, its answers, its refusals and its errors."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

import vizjobs
from vizjobs.modelarts.estimator import VisualizationJob
from vizjobs.modelarts.session import Session

RUNNING, KILLED = 8, 12


def _create(session: Session, train_url: str, name: str, **kwargs) -> VisualizationJob:
    job = VisualizationJob(modelarts_session=session).create_visualization_job(
        train_url=train_url, job_name=name, **kwargs
    )
    assert isinstance(job, VisualizationJob), job
    return job


def test_session_reads_the_default_credentials(server, session):
    assert session.project_id == server.creds["project_id"]
    assert session.endpoint.rstrip("/") == server.endpoint
    assert session.region_name is None


def test_session_with_access_keys(server, train_url):
    c = server.creds
    s = Session(
        access_key=c["access_key"],
        secret_key=c["secret_key"],
        project_id=c["project_id"],
        region_name="cn-north-4",
        endpoint=server.endpoint,
    )
    assert s.region_name == "cn-north-4"
    answer = VisualizationJob.get_visualization_job_list(s)
    assert answer["is_success"] is True, answer
    assert isinstance(answer["jobs"], list)


def test_session_with_username_and_password(server, train_url):
    c = server.creds
    s = Session(
        username=c["username"],
        password=c["password"],
        account=c["account"],
        project_id=c["project_id"],
        endpoint=server.endpoint,
    )
    job = _create(s, train_url, "pw-session")
    assert job.get_visualization_job_info()["job_name"] == "pw-session"
    assert job.delete_visualization_job() == {"is_success": True}


def test_session_from_a_credentials_path(server):
    s = Session(credentials_path=server.credentials)
    assert s.project_id == server.creds["project_id"]


def test_job_lifecycle(session, train_url):
    job = _create(
        session, train_url, "lifecycle", job_desc="first", job_type="tensorboard", schedule=4
    )
    # What create told the object (the ModelArts SDK's job object attributes).
    assert job.visualization_id and job.visualization_id.isdigit()
    assert job.job_id == job.visualization_id
    assert job.job_name == "lifecycle"
    assert isinstance(job.create_time, int) and job.create_time > 1_600_000_000_000
    assert job.status in (1, 7, 8)
    assert job.service_url and job.service_url.endswith(f"/{job.visualization_id}/")
    assert job.modelarts_session is session

    info = job.get_visualization_job_info()
    assert info["is_success"] is True
    assert info["job_id"] == int(job.visualization_id)
    assert info["job_name"] == "lifecycle"
    assert info["job_desc"] == "first"
    assert info["train_url"] == train_url
    for key in ("status", "create_time", "duration", "service_url", "resource_id"):
        assert key in info, key

    assert job.update_visualization_job(job_desc="second") == {"is_success": True}
    assert job.get_visualization_job_info()["job_desc"] == "second"
    # The positional form of the ModelArts SDK's examples.
    assert job.update_visualization_job("third")["is_success"] is True

    assert job.wait_for_status(RUNNING, timeout=60)["status"] == RUNNING
    assert job.status == RUNNING

    assert job.stop_visualization_job() == {"is_success": True}
    assert job.wait_for_status(KILLED, timeout=60)["status"] == KILLED
    # Stopping a stopped job is refused with an answer, not an exception.
    again = job.stop_visualization_job()
    assert again["is_success"] is False
    assert again["error_code"] == "ModelArts.0105"
    assert "12" in again["error_msg"]

    assert job.restart_visualization_job() == {"is_success": True}
    assert job.wait_for_status(RUNNING, timeout=60)["status"] == RUNNING
    refused = job.restart_visualization_job()
    assert (refused["is_success"], refused["error_code"]) == (False, "ModelArts.0105")

    assert job.delete_visualization_job() == {"is_success": True}
    gone = job.get_visualization_job_info()
    assert gone["is_success"] is False
    assert gone["error_code"] == "ModelArts.0103"


def test_list_and_object_list(session, train_url):
    made = [_create(session, train_url, f"listme-{i}", job_desc=f"d{i}") for i in range(3)]
    try:
        answer = VisualizationJob.get_visualization_job_list(
            modelarts_session=session, search_content="listme-"
        )
        assert answer["is_success"] is True
        assert answer["job_total_count"] == 3
        for key in ("job_count_limit", "quotas", "jobs"):
            assert key in answer, key
        names = [j["job_name"] for j in answer["jobs"]]
        assert names == ["listme-0", "listme-1", "listme-2"]  # job_id ascending by default
        for j in answer["jobs"]:
            for key in ("job_id", "job_desc", "status", "create_time", "duration",
                        "service_url", "train_url", "resource_id"):
                assert key in j, key

        # Every filter keyword of the ModelArts SDK.
        page = VisualizationJob.get_visualization_job_list(
            session, per_page=2, page=2, sort_by="job_name", order="desc",
            search_content="listme-",
        )
        assert [j["job_name"] for j in page["jobs"]] == ["listme-0"]
        assert page["job_total_count"] == 3
        by_alias = VisualizationJob.get_visualization_job_list(
            session, sortBy="job_name", order="desc", search_content="listme-"
        )
        assert [j["job_name"] for j in by_alias["jobs"]] == ["listme-2", "listme-1", "listme-0"]

        for job in made:
            job.wait_for_status(RUNNING, timeout=60)
        made[0].stop_visualization_job()
        made[0].wait_for_status(KILLED, timeout=60)
        running = VisualizationJob.get_visualization_job_list(
            session, status=RUNNING, search_content="listme-"
        )
        assert {j["job_name"] for j in running["jobs"]} == {"listme-1", "listme-2"}
        several = VisualizationJob.get_visualization_job_list(
            session, status=[RUNNING, KILLED], search_content="listme-"
        )
        assert several["job_total_count"] == 3
        as_text = VisualizationJob.get_visualization_job_list(
            session, status="12", search_content="listme-"
        )
        assert [j["job_name"] for j in as_text["jobs"]] == ["listme-0"]

        # Called on an object, the list uses the object's session.
        assert made[1].get_visualization_job_list(search_content="listme-1")["job_total_count"] == 1

        objects = VisualizationJob.get_visualization_job_object_list(
            modelarts_session=session, search_content="listme-", order="desc"
        )
        assert [o.job_name for o in objects] == ["listme-2", "listme-1", "listme-0"]
        assert [o.visualization_id for o in objects] == [m.visualization_id for m in made[::-1]]
        assert objects[2].status == KILLED and objects[0].status == RUNNING
        assert all(isinstance(o.create_time, int) for o in objects)
        assert objects[0].get_visualization_job_info()["job_desc"] == "d2"
    finally:
        for job in made:
            job.delete_visualization_job()
    # The object list's objects delete (the seed's third way).
    assert VisualizationJob.get_visualization_job_object_list(session, search_content="listme-") == []


def test_create_on_an_object_with_an_id_makes_a_new_object(session, train_url):
    # Like the Rust SDK: create is about the new job; the object's own id plays no part.
    handle = VisualizationJob(modelarts_session=session, visualization_id="8992")
    created = handle.create_visualization_job(train_url=train_url, job_name="from-8992")
    assert isinstance(created, VisualizationJob)
    assert created.visualization_id != "8992"
    assert handle.visualization_id == "8992" and handle.job_name is None
    assert created.delete_visualization_job()["is_success"] is True


@pytest.mark.parametrize(
    "schedule",
    [2, {"type": "stop", "time_unit": "HOURS", "duration": 2},
     [{"type": "stop", "time_unit": "HOURS", "duration": 2}]],
    ids=["hours", "object", "one-element-list"],
)
def test_schedule_forms(session, train_url, schedule):
    job = _create(session, train_url, "scheduled", schedule=schedule, job_type="tensorboard")
    assert job.delete_visualization_job()["is_success"] is True


def test_mindinsight_job(session):
    from conftest import FIXTURES

    job = _create(
        session, str(FIXTURES / "mindspore") + os.sep, "mindspore-logs", job_type="mindinsight"
    )
    try:
        assert job.wait_for_status(RUNNING, timeout=60)["status"] == RUNNING
    finally:
        assert job.delete_visualization_job()["is_success"] is True


def test_refusals_are_answers(session, train_url):
    missing = VisualizationJob(modelarts_session=session, visualization_id="999999999")
    for call in (
        missing.delete_visualization_job,
        missing.get_visualization_job_info,
        missing.stop_visualization_job,
        missing.restart_visualization_job,
        lambda: missing.update_visualization_job(job_desc="x"),
    ):
        answer = call()
        assert answer["is_success"] is False, answer
        assert answer["error_code"] == "ModelArts.0103", answer
        assert isinstance(answer["error_msg"], str) and answer["error_msg"]

    bad_name = VisualizationJob(modelarts_session=session).create_visualization_job(
        train_url=train_url, job_name="no spaces allowed"
    )
    assert (bad_name["is_success"], bad_name["error_code"]) == (False, "ModelArts.0104")
    no_name = VisualizationJob(modelarts_session=session).create_visualization_job(
        train_url=train_url
    )
    assert no_name["is_success"] is False and no_name["error_code"].startswith("ModelArts.01")
    outside = VisualizationJob(modelarts_session=session).create_visualization_job(
        train_url="/etc/", job_name="outside"
    )
    assert (outside["is_success"], outside["error_code"]) == (False, "ModelArts.2791")
    long_desc = _create(session, train_url, "desc-limit")
    try:
        answer = long_desc.update_visualization_job(job_desc="x" * 257)
        assert (answer["is_success"], answer["error_code"]) == (False, "ModelArts.0104")
    finally:
        long_desc.delete_visualization_job()
    bad_page = VisualizationJob.get_visualization_job_list(session, per_page=0)
    assert (bad_page["is_success"], bad_page["error_code"]) == (False, "ModelArts.0104")
    bad_list = VisualizationJob.get_visualization_job_object_list(session, sort_by="nonsense")
    assert isinstance(bad_list, dict) and bad_list["error_code"] == "ModelArts.0104"


def test_a_job_without_an_id_is_refused_before_any_request(session):
    job = VisualizationJob(modelarts_session=session)
    with pytest.raises(ValueError, match="visualization_id"):
        job.delete_visualization_job()
    with pytest.raises(TypeError):
        VisualizationJob(modelarts_session="not a session", visualization_id="1")


# ---- errors: exceptions with their cause ------------------------------------------------------


def test_missing_credentials_file_raises(tmp_path, monkeypatch):
    missing = tmp_path / "nowhere" / "credentials.json"
    with pytest.raises(FileNotFoundError) as err:
        Session(credentials_path=missing)
    assert str(missing) in str(err.value)

    monkeypatch.setenv("VIZJOBS_CREDENTIALS", str(missing))
    with pytest.raises(FileNotFoundError) as err:
        Session()
    assert str(missing) in str(err.value)

    monkeypatch.delenv("VIZJOBS_CREDENTIALS")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError) as err:
        Session()
    assert "vizjobs-data/credentials.json" in str(err.value)


def test_refused_signature_raises(server):
    c = server.creds
    s = Session(
        access_key=c["access_key"],
        secret_key="not-the-secret-key",
        project_id=c["project_id"],
        endpoint=server.endpoint,
    )
    job = VisualizationJob(modelarts_session=s, visualization_id="1")
    with pytest.raises(vizjobs.VizjobsError) as err:
        job.delete_visualization_job()
    assert "ModelArts.0206" in str(err.value)
    with pytest.raises(vizjobs.VizjobsError, match="ModelArts.0206"):
        VisualizationJob.get_visualization_job_list(s)


def test_wrong_project_raises(server):
    c = server.creds
    s = Session(
        access_key=c["access_key"],
        secret_key=c["secret_key"],
        project_id="someone-elses-project",
        endpoint=server.endpoint,
    )
    with pytest.raises(vizjobs.VizjobsError) as err:
        VisualizationJob.get_visualization_job_list(s)
    assert "ModelArts.0210" in str(err.value)


def test_wrong_password_raises(server):
    c = server.creds
    with pytest.raises(vizjobs.VizjobsError):
        # The IAM login happens at the first call (or when the session is made).
        s = Session(
            username=c["username"],
            password="wrong password",
            account=c["account"],
            project_id=c["project_id"],
            endpoint=server.endpoint,
        )
        VisualizationJob.get_visualization_job_list(s)


def test_unreachable_server_raises(server):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens once the socket is closed
    c = server.creds
    endpoint = f"http://127.0.0.1:{port}"
    s = Session(
        access_key=c["access_key"],
        secret_key=c["secret_key"],
        project_id=c["project_id"],
        endpoint=endpoint,
    )
    with pytest.raises(vizjobs.VizjobsError) as err:
        VisualizationJob(modelarts_session=s, visualization_id="1").delete_visualization_job()
    assert f"127.0.0.1:{port}" in str(err.value)
