"""Elasticsearch rebuilds: new versioned indices, the verified alias swap, the cluster lock.

Through the fake transport of ``tests/support/es_fake.py``: what is created and loaded, the one
``_aliases`` request and how its outcome is decided (applied, not applied, half applied, a
missing alias in ``remove``, ``"errors": true``, a second write index), orphans collected, the
previous generation kept, retries of ``create`` and of bulk 429s, and the rebuild lock.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from elastic_transport import ConnectionTimeout
from elasticsearch import Elasticsearch

from indexer.backends import elasticsearch as backend_module
from indexer.backends import es_admin
from indexer.backends.elasticsearch import (
    ElasticsearchIndex,
    RebuildFailedError,
    RebuildLockedError,
)
from indexer.backends.es_admin import (
    ADMIN_REQUEST_TIMEOUT,
    MASTER_TIMEOUT,
    RebuildLock,
    SwapUncertainError,
)
from indexer.backends.es_filters import TOKEN_SEPARATORS
from indexer.base import IndexedDoc
from tests.index_contract import doc
from tests.support.es_fake import (
    ACH_DOCS,
    LOCK_HELD,
    URL,
    FakeNode,
    FakeServer,
    Reply,
    Request,
    api_error,
    bulk_ok,
    fake_index,
    held_by_another,
    make_server,
    manifest,
    rebuild_with,
    serve_old_indices,
    served,
)


@pytest.fixture(autouse=True)
def no_settling(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the waits for a swap to settle instead of sleeping them."""
    waits: list[float] = []
    monkeypatch.setattr(es_admin.time, "sleep", waits.append)
    return waits


@pytest.fixture()
def server() -> FakeServer:
    return make_server()


@pytest.fixture()
def index(server: FakeServer) -> Iterator[ElasticsearchIndex]:
    idx = fake_index(server)
    yield idx
    idx.close()


def test_rebuild_mappings_and_settings(index: ElasticsearchIndex, server: FakeServer) -> None:
    rebuild_with(index, server, ACH_DOCS, manifest(384))
    created = server.sent("PUT", r"/tm-(achievement|need)-v\d+")
    assert len(created) == 2
    body = created[0].body
    settings = body["settings"]["index"]
    assert settings["refresh_interval"] == "-1" and settings["number_of_replicas"] == 0
    assert settings["analysis"]["tokenizer"]["techmatch_unicode61"] == {
        "type": "pattern",
        "pattern": TOKEN_SEPARATORS,  # checked against FTS5 in test_elasticsearch_deploy.py
    }
    assert created[0].params["master_timeout"] == MASTER_TIMEOUT
    assert created[0].request_timeout == ADMIN_REQUEST_TIMEOUT
    props = body["mappings"]["properties"]
    assert props["vector"] == {
        "type": "dense_vector",
        "dims": 384,
        "index": True,
        "similarity": "cosine",
        "index_options": {"type": "hnsw", "m": 16, "ef_construction": 100},
    }
    for name in ("title", "body"):
        assert props[name] == {"type": "text", "analyzer": "techmatch"}  # no unqueried cjk
    for name in ("id", "kind", "field", "field_top", "maturity", "modes", "region"):
        assert props[name] == {"type": "keyword"}
    assert props["money"] == {"type": "float"} and props["content_hash"] == {"type": "keyword"}


def test_rebuild_without_dimension_has_no_vector_field(
    index: ElasticsearchIndex, server: FakeServer
) -> None:
    plain = [doc(d.id, " ".join(d.title_tokens), " ".join(d.body_tokens)) for d in ACH_DOCS]
    rebuild_with(index, server, plain, manifest(None))
    for created in server.sent("PUT", r"/tm-(achievement|need)-v\d+"):
        assert "vector" not in created.body["mappings"]["properties"]


def test_rebuild_loads_then_swaps_aliases_in_one_call(
    index: ElasticsearchIndex, server: FakeServer
) -> None:
    serve_old_indices(server)
    m = manifest()
    rebuild_with(index, server, ACH_DOCS, m)
    (bulk,) = server.sent("POST|PUT", "/_bulk")
    actions = bulk.body[0::2]
    assert {a["index"]["_id"] for a in actions} == {"a1", "a2", "a3"}
    new = actions[0]["index"]["_index"]
    assert re.fullmatch(r"tm-achievement-v\d+", new) and m.generation == new.rsplit("-", 1)[1]
    assert m.counts == {"achievement": 3, "need": 0}
    (restore,) = server.sent("PUT", r"/tm-achievement-v\d+,tm-need-v\d+/_settings")
    assert restore.body == {"index": {"refresh_interval": None, "number_of_replicas": 1}}
    (meta,) = server.sent("PUT", r"/tm-achievement-v\d+,tm-need-v\d+/_mapping")
    assert meta.body["_meta"]["techmatch_manifest"]["counts"] == m.counts
    (swap,) = server.sent("POST", "/_aliases")
    need_new = new.replace("achievement", "need")
    assert swap.body == {
        "actions": [
            {
                "remove": {
                    "index": "tm-achievement-v1",
                    "alias": "tm-achievement",
                    "must_exist": True,
                }
            },
            {"remove": {"index": "tm-need-v1", "alias": "tm-need", "must_exist": True}},
            {"add": {"index": new, "alias": "tm-achievement", "is_write_index": True}},
            {"add": {"index": need_new, "alias": "tm-need", "is_write_index": True}},
        ]
    }
    assert swap.params == {"master_timeout": "30s", "timeout": "30s"}
    assert swap.request_timeout == ADMIN_REQUEST_TIMEOUT > 2 * 30  # longer than the server's
    assert server.aliases == {"tm-achievement": {new}, "tm-need": {need_new}}
    # the previous generation is kept for searches routed to it; the lock is taken and freed
    assert [r for r in server.sent("DELETE", r"/tm-[a-z]+-v.*")] == []
    paths = [f"{r.method} {r.path}" for r in server.requests]
    assert paths[:3] == [
        "PUT /tm-rebuild-lock",
        "PUT /tm-rebuild-lock/_create/rebuild",
        "GET /_alias/tm-achievement,tm-need",
    ]
    assert paths[-1] == "DELETE /tm-rebuild-lock/_doc/rebuild"
    assert server.requests[-1].params == {"if_seq_no": "7", "if_primary_term": "1"}


def test_failed_bulk_item_means_no_swap_and_new_indices_deleted(
    index: ElasticsearchIndex, server: FakeServer
) -> None:
    serve_old_indices(server)
    server.on(r"PUT /_bulk|POST /_bulk", lambda r: bulk_ok(r, {"a2"}))
    with pytest.raises(RebuildFailedError, match="a2: bad vector") as info:
        rebuild_with(index, server, ACH_DOCS, manifest())
    assert "old index keeps serving" in str(info.value)
    assert server.sent("POST", "/_aliases") == []
    (deleted,) = server.sent("DELETE", r"/tm-[a-z]+-v.*")
    assert re.fullmatch(r"/tm-achievement-v\d+,tm-need-v\d+", deleted.path)
    assert "v1" not in deleted.path
    assert server.aliases["tm-achievement"] == {"tm-achievement-v1"}


def test_count_mismatch_or_crash_refuses_the_switch(
    index: ElasticsearchIndex, server: FakeServer
) -> None:
    server.on(r"POST /tm-[a-z]+-v\d+/_count|GET /tm-[a-z]+-v\d+/_count", (200, {"count": 1}))
    with pytest.raises(RebuildFailedError, match="sent"):
        index.rebuild([ACH_DOCS], manifest())

    def broken() -> Iterator[list[IndexedDoc]]:
        yield ACH_DOCS[:1]
        raise RuntimeError("encoder crashed")

    with pytest.raises(RuntimeError, match="encoder crashed"):
        index.rebuild(broken(), manifest())
    assert server.sent("POST", "/_aliases") == []
    assert len(server.sent("DELETE", r"/tm-achievement-v\d+,tm-need-v\d+")) == 2


# ---- the swap: verified, never blind ---------------------------------------------------------
def test_swap_timeout_that_did_apply_is_a_success(
    index: ElasticsearchIndex, server: FakeServer, no_settling: list[float]
) -> None:
    serve_old_indices(server)

    def applied_then_timed_out(request: Request) -> Reply:
        server.apply_aliases(request)
        raise ConnectionTimeout("read timed out")

    server.on(r"POST /_aliases", applied_then_timed_out)
    rebuild_with(index, server, ACH_DOCS, manifest())
    (wait,) = no_settling  # read back only once the server's own timeouts have run out
    assert es_admin.SWAP_SETTLE - 1 < wait <= es_admin.SWAP_SETTLE
    assert len(server.sent("POST", "/_aliases")) == 1  # no blind retry
    assert all(names != {f"{a}-v1"} for a, names in server.aliases.items())
    assert server.sent("DELETE", r"/tm-[a-z]+-v.*") == []  # nothing deleted, old kept


def test_swap_timeout_that_did_not_apply_drops_only_the_new_indices(
    index: ElasticsearchIndex, server: FakeServer
) -> None:
    serve_old_indices(server)

    def timed_out(request: Request) -> Reply:
        raise ConnectionTimeout("read timed out")

    server.on(r"POST /_aliases", timed_out)
    with pytest.raises(RebuildFailedError, match=r"did not apply .*ConnectionTimeout"):
        rebuild_with(index, server, ACH_DOCS, manifest())
    (deleted,) = server.sent("DELETE", r"/tm-[a-z]+-v.*")
    assert "v1" not in deleted.path
    assert server.aliases == {
        "tm-achievement": {"tm-achievement-v1"},
        "tm-need": {"tm-need-v1"},
    }


def test_swap_in_a_mixed_state_deletes_nothing(
    index: ElasticsearchIndex, server: FakeServer
) -> None:
    serve_old_indices(server)

    def half(request: Request) -> Reply:
        new = request.body["actions"][2]["add"]["index"]
        server.aliases["tm-achievement"] = {new}
        raise ConnectionTimeout("read timed out")

    server.on(r"POST /_aliases", half)
    with pytest.raises(SwapUncertainError, match="nothing was deleted"):
        rebuild_with(index, server, ACH_DOCS, manifest())
    assert server.sent("DELETE", r"/tm-[a-z]+-v.*") == []


def test_missing_alias_in_remove_fails_the_whole_swap(
    index: ElasticsearchIndex, server: FakeServer
) -> None:
    serve_old_indices(server)

    def vanished(request: Request) -> Reply:  # someone removed an alias meanwhile
        server.aliases.pop("tm-need")
        return server.apply_aliases(request)

    server.on(r"POST /_aliases", vanished)
    with pytest.raises(RebuildFailedError, match=r"did not apply .*aliases_not_found_exception"):
        rebuild_with(index, server, ACH_DOCS, manifest())
    assert server.aliases == {"tm-achievement": {"tm-achievement-v1"}}


def test_errors_true_answer_is_read_and_the_aliases_verified(
    index: ElasticsearchIndex, server: FakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    serve_old_indices(server)

    def lenient(request: Request) -> Reply:  # 8.14+: 200, "errors": true, the adds applied
        server.aliases = {}
        for action in request.body["actions"]:
            if "add" in action:
                spec = action["add"]
                server.aliases[spec["alias"]] = {spec["index"]}
        results = [{"action": a, "status": 200} for a in request.body["actions"]]
        return 200, {"acknowledged": True, "errors": True, "action_results": results}

    server.on(r"POST /_aliases", lenient)
    rebuild_with(index, server, ACH_DOCS, manifest())
    assert "applied despite Elasticsearch reported errors" in caplog.text


def test_a_second_write_index_is_repaired_by_the_swap(
    index: ElasticsearchIndex, server: FakeServer
) -> None:
    server.aliases = {"tm-achievement": {"tm-achievement-v1", "tm-achievement-v2"}}
    rebuild_with(index, server, ACH_DOCS, manifest())
    (swap,) = server.sent("POST", "/_aliases")
    removed = {a["remove"]["index"] for a in swap.body["actions"] if "remove" in a}
    assert removed == {"tm-achievement-v1", "tm-achievement-v2"}
    assert len(server.aliases["tm-achievement"]) == 1


def test_a_refused_swap_is_reported_with_the_reason(
    index: ElasticsearchIndex, server: FakeServer
) -> None:
    serve_old_indices(server)
    reply = api_error(400, "illegal_state_exception", "alias has more than one write index")
    server.on(r"POST /_aliases", reply)
    with pytest.raises(RebuildFailedError, match="more than one write index"):
        rebuild_with(index, server, ACH_DOCS, manifest())


def test_rebuild_collects_orphans_and_the_previous_generation(
    index: ElasticsearchIndex, server: FakeServer
) -> None:
    serve_old_indices(server)
    leftovers = {"tm-achievement-v0": {}, "tm-need-v0": {}, "tm-need-v1": {}}
    server.on(
        r"GET /tm-achievement-v\*,tm-need-v\*", lambda r: (200, {**served(server), **leftovers})
    )
    rebuild_with(index, server, ACH_DOCS, manifest())
    (collected,) = server.sent("DELETE", r"/tm-[a-z]+-v.*")
    assert collected.path == "/tm-achievement-v0,tm-need-v0"  # tm-need-v1 is served
    assert collected.params.get("expand_wildcards") is None


def test_create_survives_a_retry_after_a_timeout(server: FakeServer) -> None:
    node = type("Node", (FakeNode,), {"server": server})
    client = Elasticsearch(URL, node_class=node, max_retries=1, retry_on_timeout=True)
    idx = ElasticsearchIndex(URL, "tm", timeout=1.0, retries=1, client=client)
    seen: set[str] = set()

    def create(request: Request) -> Reply:
        if request.path in seen:
            return api_error(400, "resource_already_exists_exception", request.path)
        seen.add(request.path)
        raise ConnectionTimeout("read timed out")  # ... after the server created it

    server.on(r"PUT /tm-(achievement|need)-v\d+", create)
    rebuild_with(idx, server, ACH_DOCS, manifest())
    assert len(server.sent("PUT", r"/tm-(achievement|need)-v\d+")) == 4
    assert len(server.sent("POST", "/_aliases")) == 1


def test_bulk_429_during_a_rebuild_is_retried(
    index: ElasticsearchIndex, server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backend_module, "BULK_BACKOFF", (0.0, 0.0))
    attempts: list[int] = []

    def busy_once(request: Request) -> Reply:
        attempts.append(len(request.body))
        if len(attempts) > 1:
            return bulk_ok(request)
        status, body = bulk_ok(request, {"a2"})
        for item in body["items"]:
            if "error" in item["index"]:
                item["index"]["status"] = 429
        return status, body

    server.on(r"PUT /_bulk|POST /_bulk", busy_once)
    rebuild_with(index, server, ACH_DOCS, manifest())
    assert attempts == [6, 2]  # the rejected document alone, again
    assert len(server.sent("POST", "/_aliases")) == 1


def test_a_running_rebuild_holds_off_another(index: ElasticsearchIndex, server: FakeServer) -> None:
    index.lock_wait = 0.0
    server.on(
        r"PUT /tm-rebuild-lock/_create/rebuild",
        api_error(409, "version_conflict_engine_exception", "exists"),
    )
    server.on(r"GET /tm-rebuild-lock/_doc/rebuild", held_by_another(60))
    with pytest.raises(RebuildLockedError, match=r"another rebuild is running \(other-host:1\)"):
        index.rebuild([ACH_DOCS], manifest())
    assert server.sent("PUT", r"/tm-(achievement|need)-v\d+") == []
    assert server.sent("DELETE", ".*") == [] and server.sent("POST", "/_aliases") == []


def test_an_expired_lock_is_taken_over(index: ElasticsearchIndex, server: FakeServer) -> None:
    outcomes = [api_error(409, "version_conflict_engine_exception", "exists"), (201, LOCK_HELD)]
    server.on(r"PUT /tm-rebuild-lock/_create/rebuild", lambda r: outcomes.pop(0))
    server.on(r"GET /tm-rebuild-lock/_doc/rebuild", held_by_another(-5))
    rebuild_with(index, server, ACH_DOCS, manifest())
    takeover, release = server.sent("DELETE", "/tm-rebuild-lock/_doc/rebuild")
    assert takeover.params == {"if_seq_no": "3", "if_primary_term": "1"}  # compare-and-set
    assert release.params == {"if_seq_no": "7", "if_primary_term": "1"}


def test_a_retried_lock_create_recognises_its_own_lock(
    index: ElasticsearchIndex, server: FakeServer
) -> None:
    created: list[dict[str, Any]] = []

    def create(request: Request) -> Reply:
        if created:  # the first attempt applied, its answer was lost, the client retried
            return api_error(409, "version_conflict_engine_exception", "exists")
        created.append(request.body)
        return 201, LOCK_HELD

    def current(request: Request) -> Reply:
        return 200, {**LOCK_HELD, "found": True, "_source": created[0]}

    server.on(r"PUT /tm-rebuild-lock/_create/rebuild", create)
    server.on(r"GET /tm-rebuild-lock/_doc/rebuild", current)
    lock = RebuildLock(index._es(), "tm-rebuild-lock", wait=0.0)
    lock.acquire()
    with pytest.raises(RebuildLockedError):  # another process, another token: held off
        RebuildLock(index._es(), "tm-rebuild-lock", wait=0.0).acquire()
    second = RebuildLock(index._es(), "tm-rebuild-lock", wait=0.0)
    second.token = lock.token  # as if this were the retried request of the same holder
    second.acquire()
    assert second._seq == (7, 1)
