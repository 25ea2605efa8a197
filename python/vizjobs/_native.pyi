"""Type stubs of the native module (crates/vizjobs-py, PyO3)."""

from typing import Any, Dict, List, Optional

import pyarrow

__version__: str

class VizjobsError(Exception):
    """A call that got no answer of the API (unreachable server, unreadable answer, bad
    credentials file), or a logdir that could not be read."""

def run_cli(argv: List[str]) -> int:
    """Runs the ``vizjobs`` command line (``argv[0]`` is the program name); the exit code."""

def read_scalars(
    logdir: str,
    runs: Optional[List[str]] = None,
    tags: Optional[List[str]] = None,
) -> pyarrow.RecordBatch:
    """Columns run (utf8), tag (utf8), step (int64), wall_time (float64), value (float32),
    sorted by run, tag, step. FileNotFoundError for a missing logdir."""

def read_runs(logdir: str) -> List[Dict[str, Any]]: ...

class Client:
    """The Rust SDK's blocking session. Answers are the API's JSON as dicts."""

    def __init__(
        self,
        *,
        credentials_path: Optional[str] = None,
        endpoint: Optional[str] = None,
        access_key: Optional[str] = None,
        secret_key: Optional[str] = None,
        project_id: Optional[str] = None,
        username: Optional[str] = None,
        password: Optional[str] = None,
        account: Optional[str] = None,
        region_name: Optional[str] = None,
    ) -> None: ...
    @property
    def project_id(self) -> str: ...
    @property
    def endpoint(self) -> str: ...
    def create_job(self, body: Dict[str, Any]) -> Dict[str, Any]: ...
    def get_job(self, job_id: str) -> Dict[str, Any]: ...
    def list_jobs(self, query: Dict[str, Any]) -> Dict[str, Any]: ...
    def update_job(self, job_id: str, job_desc: str) -> Dict[str, Any]: ...
    def stop_job(self, job_id: str) -> Dict[str, Any]: ...
    def restart_job(self, job_id: str) -> Dict[str, Any]: ...
    def delete_job(self, job_id: str) -> Dict[str, Any]: ...
