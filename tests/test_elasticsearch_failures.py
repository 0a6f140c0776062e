"""Elasticsearch failures become index errors: never a raw exception, never a bare 500.

Through the fake transport of ``tests/support/es_fake.py`` (the real client, recorded requests):
429, 503, 401, 403 and 400 answers on reads, an overloaded bulk, the JSON API answering 503 with
the reason, and ``techmatch index`` printing one clean line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from indexer.backends.elasticsearch import (
    BackendRequestError,
    ElasticsearchIndex,
)
from indexer.base import (
    BackendUnavailableError,
    Filters,
)
from tests.support.es_fake import (
    ACH_DOCS,
    URL,
    FakeNode,
    FakeServer,
    Reply,
    Request,
    api_error,
    fake_index,
    make_server,
)


@pytest.fixture()
def server() -> FakeServer:
    return make_server()


@pytest.fixture()
def index(server: FakeServer) -> Iterator[ElasticsearchIndex]:
    idx = fake_index(server)
    yield idx
    idx.close()


@pytest.mark.parametrize(
    ("reply", "error", "words"),
    [
        (
            api_error(429, "es_rejected_execution_exception", "queue full"),
            BackendUnavailableError,
            "unavailable (429, es_rejected_execution_exception: queue full)",
        ),
        (
            api_error(503, "search_phase_execution_exception", "all shards failed"),
            BackendUnavailableError,
            "unavailable (503",
        ),
        (
            api_error(401, "security_exception", "missing authentication"),
            BackendUnavailableError,
            "TECHMATCH_ELASTICSEARCH_API_KEY",
        ),
        (
            api_error(403, "security_exception", "action denied"),
            BackendUnavailableError,
            "denied the request (403",
        ),
        (
            api_error(400, "parsing_exception", "unknown query"),
            BackendRequestError,
            "refused the request (400, parsing_exception: unknown query)",
        ),
    ],
)
def test_elasticsearch_failures_become_index_errors(
    index: ElasticsearchIndex,
    server: FakeServer,
    reply: Reply,
    error: type[Exception],
    words: str,
) -> None:
    server.on(r"POST /tm-achievement/_search|POST /tm-achievement/_count", reply)
    server.on(r"GET /tm-achievement/_mapping", reply)
    calls: list[Callable[[], object]] = [
        lambda: index.lexical("achievement", ["固化"], Filters(), 5),
        lambda: index.count("achievement"),
        lambda: index.doc_freq("achievement", ["固化"]),
        index.manifest,
    ]
    for call in calls:
        with pytest.raises(error) as info:
            call()
        assert words in str(info.value) and URL in str(info.value)
        assert isinstance(info.value, BackendUnavailableError)  # the service answers 503


def test_overloaded_bulk_is_unavailable_not_a_write_error(
    index: ElasticsearchIndex, server: FakeServer
) -> None:
    def busy(request: Request) -> Reply:
        error = {"type": "es_rejected_execution_exception", "reason": "queue full"}
        item = {"index": {"_id": "a1", "status": 429, "error": error}}
        return 200, {"errors": True, "items": [item]}

    server.on(r"PUT /_bulk|POST /_bulk", busy)
    with pytest.raises(BackendUnavailableError, match="overloaded"):
        index.upsert([ACH_DOCS[0]])


@pytest.mark.anyio
async def test_api_answers_503_with_the_reason(server: FakeServer, tmp_path: Path) -> None:
    import httpx

    from service.app import create_app
    from service.composition import build_components
    from service.config import Settings

    settings = Settings(home=tmp_path, embedding_model="", search_backend="elasticsearch")
    parts = build_components(settings)
    parts.catalog.create_schema()
    node = type("Node", (FakeNode,), {"server": server})
    parts.index._client = Elasticsearch(URL, node_class=node)  # type: ignore[attr-defined]
    server.on(
        r"POST /techmatch-[a-z]+/_search",
        api_error(429, "es_rejected_execution_exception", "queue full"),
    )
    server.on(
        r"GET /techmatch-achievement/_mapping",
        api_error(503, "cluster_block_exception", "state not recovered"),
    )
    transport = httpx.ASGITransport(app=create_app(parts=parts))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            found = await client.get("/api/search", params={"q": "玻璃棉 固化"})
            assert found.status_code == 503
            assert (
                "unavailable (429, es_rejected_execution_exception: queue full)"
                in found.json()["detail"]
            )
            health = await client.get("/api/health")
            assert health.status_code == 200 and health.json()["status"] == "degraded"
            assert "state not recovered" in health.json()["index"]["problem"]
    finally:
        parts.close()


def test_cli_index_prints_a_clean_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from service.cli import app
    from service.config import get_settings

    monkeypatch.setenv("TECHMATCH_HOME", str(tmp_path))
    monkeypatch.setenv("TECHMATCH_EMBEDDING_MODEL", "")
    monkeypatch.setenv("TECHMATCH_ELASTICSEARCH_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("TECHMATCH_ELASTICSEARCH_RETRIES", "0")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["index", "--backend", "elasticsearch"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "Elasticsearch at http://127.0.0.1:9 is not reachable" in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
