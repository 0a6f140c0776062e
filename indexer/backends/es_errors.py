"""The one translation of Elasticsearch failures into the index errors.

Every call the backend makes runs inside ``guard(url)``; nothing the client raises reaches the
service untranslated. What each failure becomes::

    ConnectionError, ConnectionTimeout, TLS failure  -> BackendUnavailableError "not reachable"
    404 index_not_found_exception                     -> IndexMissingError "run techmatch index"
    401, 403                                          -> BackendUnavailableError naming the
                                                         credential settings
    429, 5xx (overloaded, shards recovering, no       -> BackendUnavailableError "unavailable"
    master, cluster block), helpers' ScanError           with Elasticsearch's reason
    any other 4xx (400 bad request, 409, 413 ...)     -> BackendRequestError with the reason

``BackendRequestError`` is a ``BackendUnavailableError``, so the service answers it as it
answers every backend failure (503 with the reason in ``detail``), never as a bare 500.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from elastic_transport import TlsError, TransportError
from elasticsearch import ApiError
from elasticsearch.helpers import ScanError

from indexer.base import BackendUnavailableError, IndexMissingError

MISSING = "no search index yet: run `techmatch index` to build it"
CREDENTIALS = "TECHMATCH_ELASTICSEARCH_API_KEY or TECHMATCH_ELASTICSEARCH_USERNAME / _PASSWORD"


class BackendRequestError(BackendUnavailableError):
    """Elasticsearch refused a request as malformed or conflicting (a 4xx other than 401,
    403, 404 and 429): a defect or a server/client mismatch, reported with the server's reason."""


def reason(exc: ApiError) -> str:
    """Elasticsearch's own words for a failed request: the type and reason of the root cause."""
    body: Any = exc.body
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        causes = error.get("root_cause") or []
        cause = causes[0] if causes and isinstance(causes[0], dict) else error
        kind = cause.get("type") or error.get("type") or "error"
        text = cause.get("reason") or error.get("reason") or ""
        return f"{kind}: {text}" if text else str(kind)
    if isinstance(error, str):
        return error
    return str(exc.message or exc)


def translate(exc: BaseException, url: str) -> BaseException:
    """The index error standing for ``exc`` (``exc`` itself when it is not Elasticsearch's)."""
    if isinstance(exc, TlsError):
        return BackendUnavailableError(
            f"Elasticsearch at {url} is not reachable: TLS failed ({exc.message}); check"
            " TECHMATCH_ELASTICSEARCH_CA_CERTS"
        )
    if isinstance(exc, TransportError):  # connection refused, timeout, DNS ...
        return BackendUnavailableError(f"Elasticsearch at {url} is not reachable: {exc.message}")
    if isinstance(exc, ScanError):
        return BackendUnavailableError(f"Elasticsearch at {url} is unavailable: {exc}")
    if not isinstance(exc, ApiError):
        return exc
    status, why = exc.meta.status, reason(exc)
    if status == 404 and exc.error == "index_not_found_exception":
        return IndexMissingError(MISSING)
    if status == 401:
        return BackendUnavailableError(
            f"Elasticsearch at {url} refused the credentials (401, {why}); set {CREDENTIALS}"
        )
    if status == 403:
        return BackendUnavailableError(
            f"Elasticsearch at {url} denied the request (403, {why}): the user or API key"
            " needs the privileges on the TechMatch indices"
        )
    if status == 429 or status >= 500:
        return BackendUnavailableError(
            f"Elasticsearch at {url} is unavailable ({status}, {why}); try again shortly"
        )
    return BackendRequestError(f"Elasticsearch at {url} refused the request ({status}, {why})")


@contextmanager
def guard(url: str) -> Iterator[None]:
    """Run Elasticsearch calls; re-raise their failures as index errors."""
    try:
        yield
    except (ApiError, TransportError, ScanError) as exc:
        raise translate(exc, url) from exc
