"""A fake Elasticsearch for the backend tests: the real client over a recording node.

``FakeNode`` hands every HTTP request the real ``elasticsearch`` client sends to a
``FakeServer``, which records it and answers from regex routes (and keeps alias state as a
cluster would), so tests assert on the bodies that would reach Elasticsearch.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from elastic_transport import ApiResponseMeta, BaseNode, HttpHeaders
from elastic_transport._node import NodeApiResponse  # the (meta, bytes) pair nodes return
from elasticsearch import Elasticsearch

from indexer.backends.elasticsearch import (
    ElasticsearchIndex,
)
from indexer.base import (
    IndexedDoc,
    Manifest,
)
from tests.index_contract import DOCS

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


def make_server() -> FakeServer:
    """A fake cluster answering like Elasticsearch 8 for the index prefix ``tm``."""
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


def fake_index(server: FakeServer, **options: Any) -> ElasticsearchIndex:
    """A backend over ``server``; ``options`` go to the client (e.g. ``max_retries``)."""
    node = type("Node", (FakeNode,), {"server": server})
    client = Elasticsearch(URL, node_class=node, **options)
    return ElasticsearchIndex(URL, "tm", timeout=1.0, retries=0, client=client)


def manifest(dimension: int | None = 3) -> Manifest:
    return Manifest("elasticsearch", "", "tiny", dimension, "test", vectors=bool(dimension))


def serve_old_indices(server: FakeServer) -> None:
    server.aliases = {f"tm-{kind}": {f"tm-{kind}-v1"} for kind in ("achievement", "need")}


def rebuild_with(
    index: ElasticsearchIndex, server: FakeServer, docs: list[IndexedDoc], m: Manifest
) -> None:
    counts = {"achievement": sum(d.kind == "achievement" for d in docs)}
    server.on(
        r"POST /tm-[a-z]+-v\d+/_count|GET /tm-[a-z]+-v\d+/_count",
        lambda r: (200, {"count": counts.get(r.path.split("-")[1], 0)}),
    )
    index.rebuild([docs], m)


def api_error(status: int, kind: str, reason: str) -> Reply:
    error = {"type": kind, "reason": reason}
    return status, {"error": {**error, "root_cause": [error]}, "status": status}


def held_by_another(expires_in: float) -> Reply:
    source = {"owner": "other-host:1", "expires_at": int((time.time() + expires_in) * 1000)}
    return 200, {
        "_id": "rebuild",
        "_seq_no": 3,
        "_primary_term": 1,
        "found": True,
        "_source": source,
    }
