"""The Elasticsearch backend: the request bodies it sends, checked on the wire, and the contract.

Unit tests run the real ``elasticsearch`` client over a fake transport node (``FakeNode``) that
records every HTTP request and answers like a server would, so the assertions are on the bodies
that would reach Elasticsearch. ``TestElasticsearchContract`` runs the shared contract
(``tests/index_contract.py``) against a live server when ``ELASTICSEARCH_URL`` is set.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest
from elastic_transport import ApiResponseMeta, BaseNode, ConnectionTimeout, HttpHeaders
from elastic_transport._node import NodeApiResponse  # the (meta, bytes) pair nodes return
from elasticsearch import Elasticsearch

from indexer.backends import elasticsearch as backend_module
from indexer.backends.elasticsearch import (
    BackendRequestError,
    ElasticsearchIndex,
    IndexWriteError,
    RebuildFailedError,
    RebuildLockedError,
)
from indexer.backends.es_admin import ADMIN_REQUEST_TIMEOUT, MASTER_TIMEOUT, SwapUncertainError
from indexer.backends.es_filters import MAX_QUERY_TOKENS, es_filters, es_query, lexical_query
from indexer.base import (
    BackendUnavailableError,
    Filters,
    IndexedDoc,
    IndexMissingError,
    Manifest,
    SearchIndex,
)
from tests.index_contract import DOCS, IndexContract, doc

ACH_DOCS = [d for d in DOCS if d.kind == "achievement"]  # the fake server answers for these

URL = "http://es.test:9200"
Reply = tuple[int, Any]


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, str]
    body: Any  # parsed JSON, or a list of parsed lines for NDJSON (bulk, msearch)
    request_timeout: Any = None  # what the client gave the node for this request


@dataclass
class FakeServer:
    """Records requests; answers from ``routes`` (first regex match on "METHOD /path")."""

    requests: list[Request] = field(default_factory=list)
    routes: list[tuple[str, Callable[[Request], Reply]]] = field(default_factory=list)
    aliases: dict[str, set[str]] = field(default_factory=dict)  # alias -> indices, like a cluster

    def get_alias(self, request: Request) -> Reply:
        names = request.path.rsplit("/", 1)[1].split(",")
        found: dict[str, Any] = {}
        for alias in names:
            for index in self.aliases.get(alias, set()):
                found.setdefault(index, {"aliases": {}})["aliases"][alias] = {}
        return (200, found) if found else not_found(",".join(names))

    def apply_aliases(self, request: Request) -> Reply:
        """``_aliases`` as Elasticsearch 8 applies it: all actions or none."""
        state = {a: set(i) for a, i in self.aliases.items()}
        for action in request.body["actions"]:
            ((op, spec),) = action.items()
            if op == "remove":
                if spec["index"] not in state.get(spec["alias"], set()):
                    error = {"type": "aliases_not_found_exception", "reason": spec["alias"]}
                    return 404, {"error": {**error, "root_cause": [error]}, "status": 404}
                state[spec["alias"]].discard(spec["index"])
            else:
                state.setdefault(spec["alias"], set()).add(spec["index"])
        self.aliases = {a: i for a, i in state.items() if i}
        return 200, {"acknowledged": True, "errors": False}

    def on(self, pattern: str, reply: Callable[[Request], Reply] | Reply) -> None:
        self.routes.insert(0, (pattern, reply if callable(reply) else lambda _r: reply))

    def handle(self, request: Request) -> Reply:
        self.requests.append(request)
        for pattern, reply in self.routes:
            if re.fullmatch(pattern, f"{request.method} {request.path}"):
                return reply(request)
        return 200, {"acknowledged": True}

    def sent(self, method_pattern: str, path_pattern: str) -> list[Request]:
        return [
            r
            for r in self.requests
            if re.fullmatch(method_pattern, r.method) and re.fullmatch(path_pattern, r.path)
        ]


def bulk_ok(request: Request, failing: frozenset[str] | set[str] = frozenset()) -> Reply:
    items = []
    for line in request.body:
        if len(line) == 1 and next(iter(line)) in {"index", "delete", "create"}:
            op, meta = next(iter(line.items()))
            if meta["_id"] in failing:
                error = {"type": "document_parsing_exception", "reason": "bad vector"}
                items.append({op: {"_id": meta["_id"], "status": 400, "error": error}})
            else:
                items.append({op: {"_id": meta["_id"], "status": 201, "result": "created"}})
    return 200, {"errors": any("error" in next(iter(i.values())) for i in items), "items": items}


def not_found(index: str) -> Reply:
    error = {"type": "index_not_found_exception", "reason": f"no such index [{index}]"}
    return 404, {"error": {**error, "root_cause": [error]}, "status": 404}


class FakeNode(BaseNode):
    server: FakeServer

    def perform_request(  # type: ignore[override]
        self, method: str, target: str, body: bytes | None = None, **_: Any
    ) -> NodeApiResponse:
        parts = urlsplit(target)
        parsed: Any = None
        if body:
            lines = [json.loads(line) for line in body.decode().splitlines() if line.strip()]
            parsed = lines if parts.path.endswith(("_bulk", "_msearch")) else lines[0]
        timeout = _.get("request_timeout")
        status, payload = self.server.handle(
            Request(method, parts.path, dict(parse_qsl(parts.query)), parsed, timeout)
        )
        headers = HttpHeaders({"x-elastic-product": "Elasticsearch"})
        data = b""
        if method != "HEAD":
            headers["content-type"] = "application/json"
            data = json.dumps(payload).encode()
        return NodeApiResponse(ApiResponseMeta(status, "1.1", headers, 0.0, self.config), data)


@pytest.fixture()
def server() -> FakeServer:
    srv = FakeServer()
    srv.on(r"GET /_alias/.*", srv.get_alias)
    srv.on(r"HEAD /_alias/.*", lambda r: (200 if srv.get_alias(r)[0] == 200 else 404, None))
    srv.on(r"POST /_aliases", srv.apply_aliases)
    srv.on(r"PUT /_bulk|POST /_bulk", bulk_ok)
    srv.on(r"POST /[^/]+/_count|GET /[^/]+/_count", (200, {"count": 0}))
    srv.on(r"PUT /tm-rebuild-lock/_create/rebuild", (201, LOCK_HELD))
    srv.on(r"PUT /tm-rebuild-lock/_doc/rebuild", (200, LOCK_HELD))
    srv.on(r"GET /tm-achievement-v\*,tm-need-v\*", lambda r: (200, served(srv)))
    srv.on(
        r"POST /tm-[a-z]+/_mget",
        lambda r: (200, {"docs": [{"_id": i, "found": False} for i in r.body["ids"]]}),
    )
    return srv


LOCK_HELD = {"_id": "rebuild", "_seq_no": 7, "_primary_term": 1, "result": "created"}


def served(srv: FakeServer) -> dict[str, Any]:
    return {i: {} for names in srv.aliases.values() for i in names}


@pytest.fixture()
def index(server: FakeServer) -> Iterator[ElasticsearchIndex]:
    node = type("Node", (FakeNode,), {"server": server})
    client = Elasticsearch(URL, node_class=node)
    idx = ElasticsearchIndex(URL, "tm", timeout=1.0, retries=0, client=client)
    yield idx
    idx.close()


def manifest(dimension: int | None = 3) -> Manifest:
    return Manifest("elasticsearch", "", "tiny", dimension, "test", vectors=bool(dimension))


def serve_old_indices(server: FakeServer) -> None:
    server.aliases = {f"tm-{kind}": {f"tm-{kind}-v1"} for kind in ("achievement", "need")}


# ---- construction and reachability ---------------------------------------------------------
def test_constructing_makes_no_network_call(
    server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("a client was created at construction")

    monkeypatch.setattr(backend_module, "Elasticsearch", refuse)
    ElasticsearchIndex("http://127.0.0.1:9", "tm", timeout=1.0, retries=0)
    node = type("Node", (FakeNode,), {"server": server})
    ElasticsearchIndex(URL, "tm", 1.0, 0, client=Elasticsearch(URL, node_class=node))
    assert server.requests == []


def test_unreachable_server_names_the_url() -> None:
    idx = ElasticsearchIndex("http://127.0.0.1:9", "tm", timeout=1.0, retries=0)
    calls: list[Callable[[], object]] = [
        lambda: idx.count("achievement"),
        idx.manifest,
        idx.exists,
        lambda: idx.set_manifest(manifest()),
        lambda: idx.upsert(ACH_DOCS),
    ]
    for call in calls:
        with pytest.raises(BackendUnavailableError) as info:
            call()
        assert str(info.value).startswith("Elasticsearch at http://127.0.0.1:9 is not reachable: ")
    with pytest.raises(BackendUnavailableError, match="not reachable"):
        idx.rebuild([ACH_DOCS], manifest())
    idx.close()


def test_missing_alias_says_how_to_build(index: ElasticsearchIndex, server: FakeServer) -> None:
    server.on(r"GET /tm-achievement/_mapping", not_found("tm-achievement"))
    with pytest.raises(IndexMissingError, match="run `techmatch index`"):
        index.manifest()
    server.on(r"HEAD /_alias/.*", (404, None))
    assert index.exists() is False


# ---- filters --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(), []),
        (Filters(field="materials"), [{"term": {"field_top": "materials"}}]),
        (Filters(field="materials.glass_fiber"), [{"term": {"field": "materials.glass_fiber"}}]),
        (Filters(maturity="pilot"), [{"term": {"maturity": "pilot"}}]),
        (Filters(region="大竹县"), [{"term": {"region": "大竹县"}}]),
        (Filters(mode="transfer"), [{"term": {"modes": "transfer"}}]),
        (Filters(money_min=60), [{"range": {"money": {"gte": 60}}}]),
        (Filters(money_min=1, money_max=9), [{"range": {"money": {"gte": 1, "lte": 9}}}]),
        (
            Filters(exclude_ids=("a1", "a2")),
            [{"bool": {"must_not": [{"ids": {"values": ["a1", "a2"]}}]}}],
        ),
    ],
)
def test_es_filters(filters: Filters, expected: list[dict[str, Any]]) -> None:
    assert es_filters(filters) == expected
    assert es_query(filters) == ({"bool": {"filter": expected}} if expected else {"match_all": {}})


# ---- reads ----------------------------------------------------------------------------------
def test_lexical_query_is_one_bm25f_clause_per_distinct_token(
    index: ElasticsearchIndex, server: FakeServer
) -> None:
    hits = {"hits": {"hits": [{"_id": "a2", "_score": 3.5}, {"_id": "a1", "_score": 1.0}]}}
    server.on(r"POST /tm-achievement/_search", (200, hits))
    filters = Filters(field="materials", exclude_ids=("a9",))
    result = index.lexical("achievement", ["玻璃棉", "固化", "固化"], filters, 7)
    assert [(h.id, h.score) for h in result] == [("a2", 3.5), ("a1", 1.0)]
    (request,) = server.sent("POST", "/tm-achievement/_search")
    assert request.body["size"] == 7 and request.body["_source"] is False

    def clause(token: str, count: int) -> dict[str, Any]:
        fields = ["title^2", "body"]
        spec = {"query": token, "fields": fields, "operator": "and", "boost": count}
        return {"combined_fields": spec}

    assert request.body["query"] == {
        "bool": {
            "should": [clause("固化", 2), clause("玻璃棉", 1)],  # most repeated first
            "minimum_should_match": 1,
            "filter": es_filters(filters),
        }
    }
    assert index.lexical("achievement", [], filters, 7) == []
    assert len(server.requests) == 1


def test_plain_query_of_a_long_listing_stays_under_the_clause_limit() -> None:
    tokens = [f"词{i}" for i in range(3000)] + ["固化"] * 3
    should = lexical_query(tokens, Filters())["bool"]["should"]
    assert len(should) == MAX_QUERY_TOKENS and 2 * MAX_QUERY_TOKENS + 10 < 1024
    assert should[0]["combined_fields"]["query"] == "固化"  # the weightiest token is kept
    assert should[0]["combined_fields"]["boost"] == 3


def test_vector_sends_a_top_level_knn(index: ElasticsearchIndex, server: FakeServer) -> None:
    server.on(r"POST /tm-need/_search", (200, {"hits": {"hits": [{"_id": "n1", "_score": 0.9}]}}))
    q = np.asarray([1.0, 0.0, 0.0], dtype=np.float32)
    (hit,) = index.vector("need", q, Filters(region="达州市"), 10)
    assert hit.id == "n1" and hit.score == pytest.approx(0.8)  # cosine from (1 + cos) / 2
    index.vector("need", q, Filters(), 200)
    first, second = (r.body for r in server.sent("POST", "/tm-need/_search"))
    assert "query" not in first and first["size"] == 10
    assert first["knn"] == {
        "field": "vector",
        "query_vector": [1.0, 0.0, 0.0],
        "k": 10,
        "num_candidates": 100,
        "filter": [{"term": {"region": "达州市"}}],
    }
    assert second["knn"]["num_candidates"] == 400 and "filter" not in second["knn"]


def test_count_browse_and_doc_freq(index: ElasticsearchIndex, server: FakeServer) -> None:
    server.on(r"POST /tm-achievement/_count", (200, {"count": 2}))
    assert index.count("achievement", Filters(maturity="pilot")) == 2
    assert server.requests[-1].body == {
        "query": {"bool": {"filter": [{"term": {"maturity": "pilot"}}]}}
    }
    server.on(r"POST /tm-achievement/_search", (200, {"hits": {"hits": [{"_id": "a3"}]}}))
    assert index.browse("achievement", Filters(), 5) == ["a3"]
    assert server.requests[-1].body["sort"] == [{"indexed_at": "desc"}, {"id": "desc"}]
    buckets = [{"doc_count": 1}, {"doc_count": 0}]
    agg = {"hits": {"hits": []}, "aggregations": {"df": {"buckets": buckets}}}
    server.on(r"POST /tm-achievement/_search", (200, agg))
    before = len(server.requests)
    assert index.doc_freq("achievement", ["固化", "nothing", "固化"]) == {"固化": 1}
    (request,) = server.requests[before:]  # one request, whatever the number of terms
    body = request.body
    assert body["size"] == 0
    assert body["query"]["bool"]["should"] == [
        {"terms": {"title": ["固化", "nothing"]}},
        {"terms": {"body": ["固化", "nothing"]}},
    ]
    assert body["aggs"]["df"]["filters"]["filters"][1] == {
        "bool": {"should": [{"term": {"title": "nothing"}}, {"term": {"body": "nothing"}}]}
    }
    assert index.doc_freq("achievement", []) == {}


def test_content_hashes_and_has_vector_scroll(
    index: ElasticsearchIndex, server: FakeServer
) -> None:
    page = {"_scroll_id": "s1", "_shards": {"total": 1, "successful": 1, "skipped": 0}}
    first = {**page, "hits": {"hits": [{"_id": "a1", "_source": {"content_hash": "h1"}}]}}
    server.on(r"POST /tm-achievement/_search", (200, first))
    server.on(r"POST /_search/scroll", (200, {**page, "hits": {"hits": []}}))
    assert index.content_hashes("achievement") == {"a1": "h1"}
    search = server.sent("POST", "/tm-achievement/_search")[0]
    assert search.params["scroll"] and search.body["_source"] == ["content_hash"]
    assert index.has_vector("achievement") == {"a1"}
    assert server.sent("POST", "/tm-achievement/_search")[1].body["query"] == {
        "exists": {"field": "vector"}
    }


# ---- writes ---------------------------------------------------------------------------------
def test_upsert_and_delete_go_to_the_alias(index: ElasticsearchIndex, server: FakeServer) -> None:
    index.upsert([ACH_DOCS[0]])
    index.delete("achievement", ["a2"])
    upsert, delete = server.sent("POST|PUT", "/_bulk")
    assert upsert.params == {"refresh": "wait_for", "require_alias": "true"}
    action, source = upsert.body
    assert action == {"index": {"_index": "tm-achievement", "_id": "a1"}}
    assert source["title"] == "玄武岩纤维 复合筋" and source["modes"] == ["license"]
    assert source["vector"] == [1.0, 0.0, 0.0] and source["field_top"] == "materials"
    assert delete.body == [{"delete": {"_index": "tm-achievement", "_id": "a2"}}]
    assert delete.params["refresh"] == "wait_for"


def test_upsert_errors(index: ElasticsearchIndex, server: FakeServer) -> None:
    server.on(r"PUT /_bulk|POST /_bulk", lambda r: bulk_ok(r, {"a1"}))
    with pytest.raises(IndexWriteError, match="a1: bad vector"):
        index.upsert([ACH_DOCS[0]])
    missing = {"type": "index_not_found_exception", "reason": "no such index"}
    item = {"index": {"_id": "a1", "status": 404, "error": missing}}
    server.on(r"PUT /_bulk|POST /_bulk", (200, {"errors": True, "items": [item]}))
    with pytest.raises(IndexMissingError, match="techmatch index"):
        index.upsert([ACH_DOCS[0]])


def test_set_manifest_and_manifest(index: ElasticsearchIndex, server: FakeServer) -> None:
    index.set_manifest(manifest())
    (put,) = server.sent("PUT", "/tm-achievement,tm-need/_mapping")
    sent = put.body["_meta"]["techmatch_manifest"]
    assert sent == manifest().to_dict() | {"created_at": sent["created_at"]}
    mapping = {"tm-achievement-v1": {"mappings": put.body}}
    server.on(r"GET /tm-achievement/_mapping", (200, mapping))
    assert index.manifest().model == "tiny" and index.manifest().dimension == 3


# ---- rebuild --------------------------------------------------------------------------------
def rebuild_with(
    index: ElasticsearchIndex, server: FakeServer, docs: list[IndexedDoc], m: Manifest
) -> None:
    counts = {"achievement": sum(d.kind == "achievement" for d in docs)}
    server.on(
        r"POST /tm-[a-z]+-v\d+/_count|GET /tm-[a-z]+-v\d+/_count",
        lambda r: (200, {"count": counts.get(r.path.split("-")[1], 0)}),
    )
    index.rebuild([docs], m)


def test_rebuild_mappings_and_settings(index: ElasticsearchIndex, server: FakeServer) -> None:
    rebuild_with(index, server, ACH_DOCS, manifest(384))
    created = server.sent("PUT", r"/tm-(achievement|need)-v\d+")
    assert len(created) == 2
    body = created[0].body
    settings = body["settings"]["index"]
    assert settings["refresh_interval"] == "-1" and settings["number_of_replicas"] == 0
    assert settings["analysis"]["tokenizer"]["techmatch_unicode61"] == {
        "type": "pattern",
        "pattern": "[^\\p{L}\\p{N}\\p{Co}]+",
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


# ---- failures are translated, never raw ------------------------------------------------------
def api_error(status: int, kind: str, reason: str) -> Reply:
    error = {"type": kind, "reason": reason}
    return status, {"error": {**error, "root_cause": [error]}, "status": status}


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


# ---- the swap: verified, never blind ---------------------------------------------------------
def test_swap_timeout_that_did_apply_is_a_success(
    index: ElasticsearchIndex, server: FakeServer
) -> None:
    serve_old_indices(server)

    def applied_then_timed_out(request: Request) -> Reply:
        server.apply_aliases(request)
        raise ConnectionTimeout("read timed out")

    server.on(r"POST /_aliases", applied_then_timed_out)
    rebuild_with(index, server, ACH_DOCS, manifest())
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


# ---- the rebuild lock ------------------------------------------------------------------------
def held_by_another(expires_in: float) -> Reply:
    source = {"owner": "other-host:1", "expires_at": int((time.time() + expires_in) * 1000)}
    return 200, {
        "_id": "rebuild",
        "_seq_no": 3,
        "_primary_term": 1,
        "found": True,
        "_source": source,
    }


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


# ---- client settings, scans, stable browse order, analysis ---------------------------------
def test_credentials_and_ca_reach_the_client(tmp_path: Path) -> None:
    import certifi

    from service.composition import build_components
    from service.config import Settings

    ca = tmp_path / "http_ca.crt"
    ca.write_bytes(Path(certifi.where()).read_bytes())
    settings = Settings(
        home=tmp_path,
        embedding_model="",
        search_backend="elasticsearch",
        elasticsearch_url="https://es.test:9200",
        elasticsearch_ca_certs=ca,
        elasticsearch_username="techmatch",
        elasticsearch_password="s3cret",
    )
    parts = build_components(settings)
    try:
        idx = parts.index
        assert isinstance(idx, ElasticsearchIndex)
        options = idx.client_options()
        assert options["ca_certs"] == str(ca) and options["basic_auth"] == ("techmatch", "s3cret")
        client = idx._es()  # the real client accepts them (no request is made)
        assert client.transport.node_pool.get().config.ca_certs == str(ca)
    finally:
        parts.close()
    keyed = ElasticsearchIndex(URL, "tm", 1.0, 0, api_key="a2V5", username="ignored")
    assert (
        keyed.client_options()["api_key"] == "a2V5" and "basic_auth" not in keyed.client_options()
    )


def test_scans_are_bounded(index: ElasticsearchIndex, server: FakeServer) -> None:
    page = {"_scroll_id": "s1", "_shards": {"total": 1, "successful": 1, "skipped": 0}}
    server.on(r"POST /tm-achievement/_search", (200, {**page, "hits": {"hits": []}}))
    index.content_hashes("achievement")
    (search,) = server.sent("POST", "/tm-achievement/_search")
    assert search.params["scroll"] == "2m" and search.request_timeout == 1.0


def test_reindexing_keeps_the_first_indexed_time(
    index: ElasticsearchIndex, server: FakeServer
) -> None:
    def known(request: Request) -> Reply:
        docs = [
            {"_id": i, "found": i == "a1", "_source": {"indexed_at": 42}}
            for i in request.body["ids"]
        ]
        return 200, {"docs": docs}

    server.on(r"POST /tm-achievement/_mget", known)
    index.upsert(ACH_DOCS[:2])
    (mget,) = server.sent("POST", "/tm-achievement/_mget")
    assert mget.body == {"ids": ["a1", "a2"]} and mget.params["_source"] == "indexed_at"
    (bulk,) = server.sent("POST|PUT", "/_bulk")
    first, second = bulk.body[1], bulk.body[3]
    assert first["indexed_at"] == 42 and second["indexed_at"] > 42


def test_the_es_tokenizer_splits_tokens_as_fts5_unicode61() -> None:
    regex = pytest.importorskip("regex")  # \p{..} classes, as in Java's regex
    import sqlite3

    from bench.es_parity import split_unicode61
    from indexer.backends.es_filters import ANALYSIS

    pattern = ANALYSIS["tokenizer"]["techmatch_unicode61"]["pattern"]
    tokens = ["c++", "3.5", "98%", "α-β", "玻璃棉", "pm2.5", "co₂", "x光", "ⅱ型", "a_b", "ｌｉ电池"]
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='unicode61 remove_diacritics 0')")
    db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'row')")
    for token in tokens:
        db.execute("DELETE FROM t")
        db.execute("INSERT INTO t VALUES (?)", (token,))
        fts5 = sorted(r[0] for r in db.execute("SELECT term FROM v"))
        es = [p for p in regex.split(pattern, token) if p]
        assert es == split_unicode61(token), token
        assert sorted(set(p.lower() for p in es)) == fts5, token


# ---- the contract, against a live server ---------------------------------------------------
LIVE_URL = os.environ.get("ELASTICSEARCH_URL", "")


@pytest.mark.elasticsearch
@pytest.mark.skipif(not LIVE_URL, reason="ELASTICSEARCH_URL is not set: no live Elasticsearch here")
class TestElasticsearchContract(IndexContract):
    """The shared contract, run against a live server (a fresh alias prefix per test)."""

    def make_index(self, tmp_path: Path) -> SearchIndex:
        return ElasticsearchIndex(
            LIVE_URL,
            f"tmtest-{uuid.uuid4().hex[:10]}",
            30.0,
            1,
            replicas=0,
            ca_certs=os.environ.get("ELASTICSEARCH_CA_CERTS"),
            api_key=os.environ.get("ELASTICSEARCH_API_KEY"),
            username=os.environ.get("ELASTICSEARCH_USERNAME"),
            password=os.environ.get("ELASTICSEARCH_PASSWORD"),
        )

    def drop_index(self, index: SearchIndex) -> None:
        assert isinstance(index, ElasticsearchIndex)
        es = index._es()  # wildcard deletes are refused by default: delete by name
        names = list(es.indices.get(index=f"{index.prefix}-*").body)
        if names:
            es.indices.delete(index=",".join(names))

    def test_a_rejected_document_refuses_the_switch(self, index: SearchIndex) -> None:
        bad = [doc("b2", "坏 向量", "内容", [1, 0, 0, 0])]  # wrong dimension: rejected
        with pytest.raises(RebuildFailedError, match="b2"):
            index.rebuild([bad], manifest())
        assert index.count("achievement") == 3


# ---- docker-compose.yml: its security section, checked statically ---------------------------
def test_compose_security_is_wired_through_the_settings() -> None:
    """No Docker engine here: check that what the compose file says fits together."""
    import yaml

    from service.config import Settings

    compose = yaml.safe_load((Path(__file__).parents[1] / "docker-compose.yml").read_text())
    services = compose["services"]
    es_env = services["elasticsearch"]["environment"]
    assert es_env["xpack.security.enabled"] == "true"
    assert es_env["xpack.security.http.ssl.enabled"] == "true"
    env = services["service"]["environment"]
    assert env == services["indexer"]["environment"]
    for name in env:  # every variable given to TechMatch is a real setting
        assert name.removeprefix("TECHMATCH_").lower() in Settings.model_fields, name
    assert env["TECHMATCH_ELASTICSEARCH_URL"] == "https://elasticsearch:9200"
    script = services["setup"]["command"][-1]
    assert "dns: [elasticsearch, localhost]" in script  # the certificate names the URL's host
    # the CA the setup job writes is the file the service is pointed at, readable by it
    mount = next(v for v in services["service"]["volumes"] if v.startswith("certs:"))
    target = mount.split(":")[1]
    assert env["TECHMATCH_ELASTICSEARCH_CA_CERTS"] == f"{target}/ca/ca.crt"
    assert "chmod 644 config/certs/ca/ca.crt" in script
    assert es_env["xpack.security.http.ssl.certificate_authorities"] == "certs/ca/ca.crt"
    # the user the service logs in as is the one the setup job creates, with the same password
    assert env["TECHMATCH_ELASTICSEARCH_USERNAME"] == "techmatch"
    assert "_security/user/techmatch" in script and "$${ES_TECHMATCH_PASSWORD}" in script
    assert env["TECHMATCH_ELASTICSEARCH_PASSWORD"].startswith("${ES_TECHMATCH_PASSWORD:?")
    # the role covers every index and alias the backend makes under the default prefix
    prefix = Settings.model_fields["elasticsearch_prefix"].default
    assert f'"names": ["{prefix}-*"]' in script
    idx = ElasticsearchIndex(URL, prefix, 1.0, 0)
    assert all(idx.alias(k).startswith(f"{prefix}-") for k in ("achievement", "need"))
    for job in ("indexer", "service"):
        assert services[job]["depends_on"]["setup"] == {
            "condition": "service_completed_successfully"
        }
    assert services["elasticsearch"]["depends_on"]["setup"] == {"condition": "service_healthy"}
