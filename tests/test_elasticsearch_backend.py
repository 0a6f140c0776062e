"""The Elasticsearch backend: the request bodies it sends, checked on the wire, and the contract.

Unit tests run the real ``elasticsearch`` client over a fake transport node (``FakeNode``) that
records every HTTP request and answers like a server would, so the assertions are on the bodies
that would reach Elasticsearch. ``TestElasticsearchContract`` runs the shared contract
(``tests/index_contract.py``) against a live server when ``ELASTICSEARCH_URL`` is set.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from elasticsearch import Elasticsearch

from indexer.backends import elasticsearch as backend_module
from indexer.backends.elasticsearch import (
    ElasticsearchIndex,
    IndexWriteError,
    RebuildFailedError,
)
from indexer.backends.es_filters import MAX_QUERY_TOKENS, es_filters, es_query, lexical_query
from indexer.base import (
    BackendUnavailableError,
    Filters,
    IndexMissingError,
    SearchIndex,
)
from tests.index_contract import IndexContract, doc
from tests.support.es_fake import (
    ACH_DOCS,
    URL,
    FakeNode,
    FakeServer,
    Reply,
    Request,
    bulk_ok,
    fake_index,
    make_server,
    manifest,
    not_found,
)


@pytest.fixture()
def server() -> FakeServer:
    return make_server()


@pytest.fixture()
def index(server: FakeServer) -> Iterator[ElasticsearchIndex]:
    idx = fake_index(server)
    yield idx
    idx.close()


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
