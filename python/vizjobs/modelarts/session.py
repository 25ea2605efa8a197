"""``Session``: where the jobs API is and which credential signs the requests.

Mirrors ``modelarts.session.Session`` of the ModelArts SDK:

- ``Session()``: the credentials file ``$VIZJOBS_CREDENTIALS``, else
  ``./vizjobs-data/credentials.json`` (what ``vizjobs serve`` writes on its first start:
  endpoint, project, account, user, password and an AK/SK pair; the AK/SK pair is used);
- ``Session(access_key=, secret_key=, project_id=, region_name=, endpoint=)``: every request
  signed with ``SDK-HMAC-SHA256``, as Huawei's SDK core signs it;
- ``Session(username=, password=, account=, project_id=, endpoint=)``: an IAM token from
  ``POST /v3/auth/tokens``, renewed before it expires.

The session is cheap to share: every :class:`~vizjobs.modelarts.estimator.VisualizationJob` made
from it uses the same connection pool.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, Optional, Union

from .. import VizjobsError, _native

__all__ = ["Session", "AUTH_ERROR_CODES"]

#: Answers that refuse the credential itself rather than the operation: they raise
#: :class:`vizjobs.VizjobsError` instead of coming back as ``is_success: False``. The native
#: client raises for the first four (and for IAM's 401); the session adds the project check.
AUTH_ERROR_CODES = frozenset(
    {
        "ModelArts.0201",  # no credential sent
        "ModelArts.0202",  # token expired
        "ModelArts.0203",  # token unknown or revoked
        "ModelArts.0206",  # AK/SK signature refused (bad SK, unknown AK, clock off > 15 min)
        "ModelArts.0210",  # the project is not the credential's
    }
)

Answer = Dict[str, Any]


class Session:
    """A connection to the jobs API with one credential, like ``modelarts.session.Session``.

    Args:
        access_key: AK of an AK/SK pair (with ``secret_key``).
        secret_key: SK of the pair; never sent, only used to sign.
        project_id: the project every call addresses (``/v1/{project_id}/...``).
        region_name: the region, for ModelArts endpoints; a vizjobs server ignores it.
        endpoint: the server, e.g. ``http://127.0.0.1:8080`` (the jobs API and the IAM login
            on the same address).
        username: user name for an IAM token (with ``password`` and ``account``).
        password: that user's password.
        account: the account (IAM domain) of that user.
        credentials_path: a ``credentials.json`` to read instead of the default one.
        **kwargs: other keywords of the ModelArts SDK's Session (``w_session``, ``bucket``,
            ...) are accepted and ignored.

    Every argument is a keyword, as in the ModelArts SDK's examples. With no credential
    keyword, the credentials file is read; keywords given alongside
    ``credentials_path`` override the file's values.

    Raises:
        FileNotFoundError: the credentials file does not exist (the path is in the message).
        vizjobs.VizjobsError: the file or the keywords do not make a usable credential.

    Calls raise :class:`vizjobs.VizjobsError` with the cause when they get no answer of the
    API (server unreachable, an HTML page from a proxy) or when the credential itself is
    refused (a bad AK/SK signature ``ModelArts.0206``, a wrong password at the IAM login, a
    missing, expired or revoked token ``0201``–``0203``, a project that is not the
    credential's ``0210``). Refusals of the operation (no such job, not allowed in the job's
    status, a field out of its rules) are answers with ``is_success: False``, as in the
    ModelArts SDK.
    """

    def __init__(
        self,
        *,
        access_key: Optional[str] = None,
        secret_key: Optional[str] = None,
        project_id: Optional[str] = None,
        region_name: Optional[str] = None,
        endpoint: Optional[str] = None,
        username: Optional[str] = None,
        password: Optional[str] = None,
        account: Optional[str] = None,
        credentials_path: Optional[Union[str, "os.PathLike[str]"]] = None,
        **kwargs: Any,
    ) -> None:
        options = {
            "credentials_path": os.fspath(credentials_path) if credentials_path else None,
            "endpoint": endpoint,
            "access_key": access_key,
            "secret_key": secret_key,
            "project_id": project_id,
            "username": username,
            "password": password,
            "account": account,
            "region_name": region_name,
        }
        self._client = _native.Client(**{k: v for k, v in options.items() if v is not None})
        self._region_name = region_name

    @property
    def project_id(self) -> str:
        """The project every call addresses."""
        return self._client.project_id

    @property
    def endpoint(self) -> str:
        """The server's base URL."""
        return self._client.endpoint

    @property
    def region_name(self) -> Optional[str]:
        return self._region_name

    @property
    def client(self) -> "_native.Client":
        """The native client the calls go through (``vizjobs.Client``)."""
        return self._client

    def _call(self, method: Callable[..., Answer], *args: Any) -> Answer:
        """One API call: the answer as a dict, or :class:`vizjobs.VizjobsError` when the
        credential itself was refused."""
        answer = method(*args)
        if not isinstance(answer, dict):
            return answer
        # Details may omit the flag (absence means success); the ModelArts SDK's dicts carry it.
        answer.setdefault("is_success", True)
        if answer["is_success"] is False:
            code = answer.get("error_code")
            if code in AUTH_ERROR_CODES:
                msg = answer.get("error_msg") or answer.get("error_message") or ""
                raise VizjobsError(f"the credentials were refused: {code}: {msg}")
        return answer

    def __repr__(self) -> str:
        return f"Session(endpoint={self.endpoint!r}, project_id={self.project_id!r})"
