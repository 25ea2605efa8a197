"""``VisualizationJob``: one visualization job, with the ModelArts SDK's operations.

Mirrors ``modelarts.estimator.VisualizationJob`` keyword for keyword, over the Rust SDK
(``vizjobs_sdk::VisualizationJob``). Each call is one request of the jobs API:

=======================================  ==================================================
Python                                   REST operation
=======================================  ==================================================
``create_visualization_job(...)``        ``POST /v1/{project_id}/visualization-jobs``
``get_visualization_job_list(...)``      ``GET /v1/{project_id}/visualization-jobs``
``get_visualization_job_object_list``    ``GET /v1/{project_id}/visualization-jobs``
``get_visualization_job_info()``         ``GET /v1/{project_id}/visualization-jobs/{job_id}``
``update_visualization_job(job_desc)``   ``PUT /v1/{project_id}/visualization-jobs/{job_id}``
``stop_visualization_job()``             ``POST .../visualization-jobs/{job_id}/stop``
``restart_visualization_job()``          ``POST .../visualization-jobs/{job_id}/restart``
``delete_visualization_job()``           ``DELETE /v1/{project_id}/visualization-jobs/{job_id}``
=======================================  ==================================================

Answers are the API's JSON as dicts, exactly as the ModelArts SDK returns them: ``is_success``,
and on a refusal ``error_code`` (``ModelArts.XXXX``) and ``error_msg``; a refusal is an answer,
not an exception. :class:`vizjobs.VizjobsError` is for calls that got no answer of this API
(server unreachable, an HTML page from a proxy) and for a refused credential (bad signature,
wrong password, expired token, another project), with the cause in its message.

Create, stop, restart and delete are asynchronous: they answer at once and the status moves on
in the background (1 INIT -> 7 WAITING -> 8 RUNNING; stop: 9 KILLING -> 12 KILLED).
"""

from __future__ import annotations

import functools
import time
from typing import Any, Callable, Dict, Iterable, List, Optional, TypeVar, Union

from .session import Session

__all__ = ["VisualizationJob", "JOB_STATUSES"]

Answer = Dict[str, Any]
Status = Union[int, str, Iterable[Union[int, str]]]
Schedule = Union[int, Dict[str, Any], List[Dict[str, Any]]]

#: The API's job statuses by number.
JOB_STATUSES: Dict[int, str] = {
    0: "UNKNOWN", 1: "INIT", 2: "IMAGE_CREATING", 3: "IMAGE_FAILED", 4: "SUBMIT_TRYING",
    5: "SUBMIT_FAILED", 6: "DELETE_FAILED", 7: "WAITING", 8: "RUNNING", 9: "KILLING",
    10: "COMPLETED", 11: "FAILED", 12: "KILLED", 13: "CANCELED", 14: "LOST", 15: "SCALING",
    16: "SUBMIT_MODEL_FAILED", 17: "DEPLOY_SERVICE_FAILED", 18: "CHECK_INIT",
    19: "CHECK_RUNNING", 20: "CHECK_RUNNING_COMPLETED", 21: "CHECK_FAILED",
}
_ACTIVE = frozenset({1, 2, 4, 7, 8, 9, 15, 18, 19})

F = TypeVar("F", bound=Callable[..., Any])


class _SessionMethod:
    """A static method that, called on an instance without a session, uses the instance's.

    ``VisualizationJob.get_visualization_job_list(session, per_page=5)`` (the ModelArts SDK's
    form) and ``job.get_visualization_job_list(per_page=5)`` both work.
    """

    def __init__(self, func: Callable[..., Any]) -> None:
        self.__func__ = func
        functools.update_wrapper(self, func)

    def __get__(self, obj: Any, objtype: Any = None) -> Callable[..., Any]:
        func = self.__func__
        if obj is None:
            return func

        @functools.wraps(func)
        def bound(*args: Any, **kwargs: Any) -> Any:
            if "modelarts_session" not in kwargs and not (args and isinstance(args[0], Session)):
                kwargs["modelarts_session"] = obj.session
            return func(*args, **kwargs)

        return bound


def _status_param(status: Optional[Status]) -> Optional[str]:
    """``8``, ``"8"``, ``[8, 12]`` or ``"8,12"`` as the API's comma-separated list."""
    if status is None:
        return None
    if isinstance(status, (int, str)):
        return str(status)
    return ",".join(str(s) for s in status)


def _schedule_body(schedule: Schedule) -> Any:
    """A number of hours, or the API's ``{"type": "stop", "time_unit": "HOURS", "duration": n}``
    (also as the published sample's one-element list), sent as given."""
    if isinstance(schedule, bool):
        raise TypeError("schedule must be a number of hours or a dict, not a bool")
    if isinstance(schedule, int):
        return {"type": "stop", "time_unit": "HOURS", "duration": schedule}
    return schedule


class VisualizationJob:
    """A visualization job of the session's project.

    ``VisualizationJob(modelarts_session=session, visualization_id='8992')`` addresses job
    8992; nothing is asked of the server until an operation is called.
    ``VisualizationJob(modelarts_session=session)`` (no id) is for
    :meth:`create_visualization_job` and the list calls.

    Attributes (what the SDK last learnt from create, list or :meth:`refresh`; ``None`` until
    then; never refreshed behind the caller's back):
        visualization_id: the job id, as a string (also ``job_id``).
        job_name, create_time (ms since the Unix epoch), status (int), service_url.
    """

    def __init__(
        self,
        modelarts_session: Session,
        visualization_id: Optional[Union[str, int]] = None,
        **kwargs: Any,
    ) -> None:
        if not isinstance(modelarts_session, Session):
            raise TypeError(
                "modelarts_session must be a vizjobs.modelarts.session.Session, not "
                f"{type(modelarts_session).__name__}"
            )
        self.session: Session = modelarts_session
        self.visualization_id: Optional[str] = (
            None if visualization_id is None else str(visualization_id)
        )
        self.job_name: Optional[str] = None
        self.create_time: Optional[int] = None
        self.status: Optional[int] = None
        self.service_url: Optional[str] = None

    # The ModelArts SDK's attribute name, and the API's.
    @property
    def modelarts_session(self) -> Session:
        return self.session

    @property
    def job_id(self) -> Optional[str]:
        return self.visualization_id

    def _learn(self, job: Answer) -> None:
        if job.get("job_name") is not None:
            self.job_name = job["job_name"]
        if job.get("create_time") is not None:
            self.create_time = job["create_time"]
        if job.get("status") is not None:
            self.status = job["status"]
        self.service_url = job.get("service_url") or None

    @classmethod
    def _from_job(cls, session: Session, job: Answer) -> "VisualizationJob":
        handle = cls(modelarts_session=session, visualization_id=job["job_id"])
        handle._learn(job)
        return handle

    def _id(self) -> str:
        # An empty id would address the collection instead: refused, as the Rust SDK does.
        if self.visualization_id is None or not self.visualization_id.strip():
            raise ValueError(
                "this VisualizationJob has no visualization_id: pass "
                "VisualizationJob(modelarts_session=session, visualization_id='...'), or use "
                "the object create_visualization_job returns"
            )
        return self.visualization_id

    # ---- create and list ------------------------------------------------------------------

    def create_visualization_job(
        self,
        train_url: str,
        job_name: Optional[str] = None,
        job_desc: Optional[str] = None,
        job_type: Optional[str] = None,
        schedule: Optional[Schedule] = None,
        flavor: Optional[Union[str, Dict[str, Any]]] = None,
    ) -> Union["VisualizationJob", Answer]:
        """Creates a job: ``POST /v1/{project_id}/visualization-jobs``.

        Args:
            train_url: the logs: a folder on the server (under one of its log roots),
                ``s3://bucket/path/``, ``obs://bucket/path/`` or ``/bucket/path/``.
            job_name: 1–20 of ``[A-Za-z0-9_-]``; required by the API (a job without one is
                refused with ``ModelArts.0104``).
            job_desc: 0–256 characters.
            job_type: ``"tensorboard"`` (default) or ``"mindinsight"``.
            schedule: stop by itself after this many hours (0–24; 0 keeps it running), as a
                number or as the API's ``{"type": "stop", "time_unit": "HOURS",
                "duration": n}`` (a one-element list of it is accepted too).
            flavor: the resource flavour code (``"modelarts.vm.cpu.2u"``) or ``{"code": ...}``.

        Returns:
            On success a new :class:`VisualizationJob` for the created job, knowing its
            ``visualization_id``, ``job_name``, ``create_time``, ``status`` and
            ``service_url`` (the ModelArts SDK returns the job object too). This object's own
            ``visualization_id``, if it has one, plays no part and is left as it is.
            On a refusal, the answer dict (``is_success: False``, ``error_code``,
            ``error_msg``).
        """
        body: Dict[str, Any] = {"train_url": train_url}
        if job_name is not None:
            body["job_name"] = job_name
        if job_desc is not None:
            body["job_desc"] = job_desc
        if job_type is not None:
            body["job_type"] = job_type
        if schedule is not None:
            body["schedule"] = _schedule_body(schedule)
        if flavor is not None:
            body["flavor"] = {"code": flavor} if isinstance(flavor, str) else flavor
        answer = self.session._call(self.session.client.create_job, body)
        if not answer.get("is_success", True):
            return answer
        return VisualizationJob._from_job(self.session, answer)

    @_SessionMethod
    def get_visualization_job_list(
        modelarts_session: Session,
        status: Optional[Status] = None,
        per_page: Optional[int] = None,
        page: Optional[int] = None,
        sort_by: Optional[str] = None,
        order: Optional[str] = None,
        search_content: Optional[str] = None,
        **kwargs: Any,
    ) -> Answer:
        """The jobs of the session's project: ``GET /v1/{project_id}/visualization-jobs``.

        ``VisualizationJob.get_visualization_job_list(modelarts_session=session, status=8,
        per_page=10, page=1, sort_by="create_time", order="asc", search_content="job")``.

        Args:
            modelarts_session: the session (first argument, or by keyword).
            status: only jobs in this status (an int), or in any of several (a list, or
                ``"8,12"``).
            per_page: jobs per page, 1–1000 (default 10).
            page: the page, from 1.
            sort_by: ``job_id`` (default), ``job_name``, ``job_desc``, ``create_time``,
                ``status`` or ``duration`` (``sortBy=`` is accepted too).
            order: ``"asc"`` (default) or ``"desc"``.
            search_content: only jobs whose name contains this text (0–100 characters).

        Returns:
            The API's answer: ``is_success``, ``job_total_count``, ``job_count_limit``,
            ``quotas`` and ``jobs`` (each ``job_id``, ``job_name``, ``job_desc``,
            ``status``, ``create_time``, ``duration``, ``service_url``, ``train_url``,
            ``resource_id``); on a refusal ``is_success: False``, ``error_code``,
            ``error_msg``.
        """
        if sort_by is None:
            sort_by = kwargs.pop("sortBy", None)
        kwargs.pop("workspace_id", None)
        if kwargs:
            raise TypeError(
                "get_visualization_job_list() got unexpected keyword arguments: "
                + ", ".join(sorted(kwargs))
            )
        query: Dict[str, Any] = {}
        for key, value in (
            ("status", _status_param(status)),
            ("per_page", per_page),
            ("page", page),
            ("sort_by", sort_by),
            ("order", order),
            ("search_content", search_content),
        ):
            if value is not None:
                query[key] = value
        session = modelarts_session
        return session._call(session.client.list_jobs, query)

    @_SessionMethod
    def get_visualization_job_object_list(
        modelarts_session: Session,
        status: Optional[Status] = None,
        per_page: Optional[int] = None,
        page: Optional[int] = None,
        sort_by: Optional[str] = None,
        order: Optional[str] = None,
        search_content: Optional[str] = None,
        **kwargs: Any,
    ) -> Union[List["VisualizationJob"], Answer]:
        """The listed jobs as :class:`VisualizationJob` objects, ready for further calls
        (``job_list[0].delete_visualization_job()``): ``GET
        /v1/{project_id}/visualization-jobs``, with the filters of
        :meth:`get_visualization_job_list`.

        Each object knows its ``visualization_id``, ``job_name``, ``create_time``, ``status``
        and ``service_url`` from the list answer. On a refusal, the answer dict instead.
        """
        answer = VisualizationJob.get_visualization_job_list(
            modelarts_session,
            status=status,
            per_page=per_page,
            page=page,
            sort_by=sort_by,
            order=order,
            search_content=search_content,
            **kwargs,
        )
        if not answer.get("is_success", True):
            return answer
        return [VisualizationJob._from_job(modelarts_session, j) for j in answer.get("jobs", [])]

    # ---- one job ----------------------------------------------------------------------------

    def get_visualization_job_info(self) -> Answer:
        """The job's details: ``GET /v1/{project_id}/visualization-jobs/{job_id}``.

        Returns ``is_success``, ``job_id``, ``job_name``, ``job_desc``, ``status``,
        ``create_time``, ``duration``, ``service_url``, ``train_url``, ``resource_id``; a
        missing job answers ``is_success: False`` with ``error_code: "ModelArts.0103"``.
        The object's attributes are not changed (see :meth:`refresh`).
        """
        return self.session._call(self.session.client.get_job, self._id())

    def refresh(self) -> Answer:
        """Like :meth:`get_visualization_job_info`, and remembers the name, status and
        service URL it learnt."""
        answer = self.get_visualization_job_info()
        if answer.get("is_success", True):
            self._learn(answer)
        return answer

    def update_visualization_job(self, job_desc: str) -> Answer:
        """Changes the description (the only field that can change): ``PUT
        /v1/{project_id}/visualization-jobs/{job_id}`` with ``{"job_desc": ...}``
        (0–256 characters). Answers ``{"is_success": True}``."""
        return self.session._call(self.session.client.update_job, self._id(), job_desc)

    def stop_visualization_job(self) -> Answer:
        """Stops the dashboard: ``POST /v1/{project_id}/visualization-jobs/{job_id}/stop``.

        Allowed in INIT (1), WAITING (7) and RUNNING (8); otherwise ``ModelArts.0105``
        (``This job can't be stop. job status: 10``). The job goes KILLING (9) -> KILLED (12).
        """
        return self.session._call(self.session.client.stop_job, self._id())

    def restart_visualization_job(self) -> Answer:
        """Starts an ended job again: ``POST
        /v1/{project_id}/visualization-jobs/{job_id}/restart``.

        Allowed in COMPLETED (10), FAILED (11), KILLED (12), CANCELED (13) and LOST (14);
        otherwise ``ModelArts.0105``.
        """
        return self.session._call(self.session.client.restart_job, self._id())

    def delete_visualization_job(self) -> Answer:
        """Deletes the job: ``DELETE /v1/{project_id}/visualization-jobs/{job_id}``.

        Allowed in every status but KILLING (9). Answers ``{"is_success": True}``; a missing
        job ``{"is_success": False, "error_code": "ModelArts.0103", "error_msg": ...}``.
        """
        return self.session._call(self.session.client.delete_job, self._id())

    def wait_for_status(
        self, status: int, timeout: float = 60.0, poll: float = 0.25
    ) -> Answer:
        """Polls the details until the job is in ``status``, has ended some other way, or
        ``timeout`` seconds pass; returns the last answer (a failed answer, e.g. the job was
        deleted, ends the wait at once). Not in the ModelArts SDK; the Rust SDK's
        ``wait_for_status``."""
        deadline = time.monotonic() + timeout
        while True:
            answer = self.refresh()
            current = answer.get("status")
            done = (
                not answer.get("is_success", True)
                or current == status
                or current not in _ACTIVE
            )
            if done or time.monotonic() + poll > deadline:
                return answer
            time.sleep(poll)

    def __repr__(self) -> str:
        state = JOB_STATUSES.get(self.status, self.status) if self.status is not None else None
        return (
            f"VisualizationJob(visualization_id={self.visualization_id!r}, "
            f"job_name={self.job_name!r}, status={state!r})"
        )
