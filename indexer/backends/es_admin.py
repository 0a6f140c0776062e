"""Cluster-level steps of an Elasticsearch rebuild: the lock, the alias swap, old generations.

- **The rebuild lock** is a document in ``PREFIX-rebuild-lock`` created with ``op_type=create``
  (so exactly one creator wins, cluster-wide) holding its owner and an expiry. The holder renews
  it while loading; a crashed holder's lock expires after ``LOCK_TTL`` seconds and the next
  rebuild takes it over (compare-and-set on ``_seq_no`` / ``_primary_term``, so two takers
  cannot both win). Expiry uses the clocks of the machines running rebuilds: keep them in NTP.
- **The swap** moves both aliases in one atomic ``_aliases`` request (every ``remove`` with
  ``must_exist``, so a vanished alias fails the whole request instead of answering 200 with
  ``"errors": true`` and applying the adds). It runs with ``master_timeout`` and ``timeout``
  shorter than the request timeout and is never retried blindly: whatever the answer — success,
  an error, a timeout — the aliases are read back (after a request without an answer, once the
  server's timeouts have run out) and the outcome decided from what they say.
- **Old generations**: the indices the aliases left are kept until the next rebuild (searches
  already routed to them finish); that rebuild, holding the lock, deletes every versioned index
  of the prefix that no alias serves (the previous generation and anything a crash left).
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Sequence
from typing import Any

from elastic_transport import TransportError
from elasticsearch import ApiError, ConflictError, Elasticsearch, NotFoundError

from indexer.backends import es_filters as bodies
from indexer.base import KINDS, BackendUnavailableError, IndexError_

log = logging.getLogger(__name__)

LOCK_ID = "rebuild"
LOCK_TTL = 300.0  # seconds a lock lives without renewal (renewed every batch of listings)
LOCK_POLL = 2.0  # seconds between attempts while another rebuild holds the lock
MASTER_TIMEOUT = "30s"  # the server's wait for the master, then again for the acknowledgements
ADMIN_REQUEST_TIMEOUT = 90.0  # the client's wait: longer than both of the server's together
# After a swap request without an answer, the master may still apply it until both of its
# timeouts have run out: the aliases are read back only then, so what they say is final.
SWAP_SETTLE = 60.0


class RebuildLockedError(BackendUnavailableError):
    """Another rebuild holds the cluster-wide lock (and kept it longer than we waited)."""


class RebuildFailedError(IndexError_):
    """A rebuild loaded incompletely or its swap did not apply; the old index keeps serving."""


class SwapUncertainError(IndexError_):
    """The aliases are in neither the old nor the new state; nothing was deleted."""


def admin(es: Elasticsearch) -> Elasticsearch:
    """The client for cluster-state changes: a long timeout, no retries."""
    return es.options(request_timeout=ADMIN_REQUEST_TIMEOUT, max_retries=0, retry_on_timeout=False)


class RebuildLock:
    """A cluster-wide mutex held in one document; ``with lock:`` acquires and releases it."""

    def __init__(self, es: Elasticsearch, index: str, wait: float, ttl: float = LOCK_TTL) -> None:
        self.es, self.index, self.wait, self.ttl = es, index, wait, ttl
        self.owner = f"{socket.gethostname()}:{os.getpid()}"
        self.token = uuid.uuid4().hex  # tells our own lock from another's after a retried create
        self._seq: tuple[int, int] | None = None  # (_seq_no, _primary_term) while held
        self._renewed = 0.0

    def _document(self) -> dict[str, Any]:
        expires_at = int((time.time() + self.ttl) * 1000)
        return {"owner": self.owner, "token": self.token, "expires_at": expires_at}

    def _ensure_index(self) -> None:
        try:
            admin(self.es).indices.create(
                index=self.index,
                settings={"index": {"number_of_shards": 1, "auto_expand_replicas": "0-1"}},
                mappings={"dynamic": False, "properties": {"expires_at": {"type": "long"}}},
            )
        except ApiError as exc:
            if exc.error != "resource_already_exists_exception":
                raise

    def acquire(self) -> None:
        self._ensure_index()
        deadline = time.monotonic() + self.wait
        takeovers, announced = 0, False
        while True:
            try:
                resp = self.es.create(
                    index=self.index, id=LOCK_ID, document=self._document(), refresh=True
                )
                self._hold(resp.body)
                return
            except ConflictError:
                pass
            held = self.es.options(ignore_status=404).get(index=self.index, id=LOCK_ID)
            if held.meta.status == 404:
                continue  # released between our create and our read
            source = held.body.get("_source", {})
            if source.get("token") == self.token:  # our create applied, then was retried
                self._hold(held.body)
                return
            if source.get("expires_at", 0) < time.time() * 1000 and takeovers < 3:
                takeovers += 1
                log.warning("taking over the expired rebuild lock of %s", source.get("owner"))
                self.es.options(ignore_status=(404, 409)).delete(
                    index=self.index,
                    id=LOCK_ID,
                    if_seq_no=held.body["_seq_no"],
                    if_primary_term=held.body["_primary_term"],
                )
                continue
            if time.monotonic() >= deadline:
                raise RebuildLockedError(
                    f"another rebuild is running ({source.get('owner', '?')}); the index it"
                    " replaces keeps serving: try again when it has finished"
                )
            if not announced:
                announced = True
                log.info(
                    "another rebuild is running (%s): waiting up to %.0f s for it to finish",
                    source.get("owner", "?"),
                    self.wait,
                )
            time.sleep(LOCK_POLL)

    def _hold(self, body: dict[str, Any]) -> None:
        self._seq = (int(body["_seq_no"]), int(body["_primary_term"]))
        self._renewed = time.monotonic()

    def renew(self, force: bool = False) -> None:
        """Push the expiry forward (at most every quarter of the TTL unless ``force``)."""
        if self._seq is None or (not force and time.monotonic() - self._renewed < self.ttl / 4):
            return
        try:
            resp = self.es.index(
                index=self.index,
                id=LOCK_ID,
                document=self._document(),
                if_seq_no=self._seq[0],
                if_primary_term=self._seq[1],
            )
        except ConflictError as exc:
            raise RebuildFailedError(
                "rebuild abandoned: its lock expired and another rebuild took it over"
            ) from exc
        self._hold(resp.body)

    def release(self) -> None:
        if self._seq is None:
            return
        seq, self._seq = self._seq, None
        try:
            self.es.options(ignore_status=(404, 409)).delete(
                index=self.index, id=LOCK_ID, if_seq_no=seq[0], if_primary_term=seq[1]
            )
        except Exception:  # the lock then expires on its own
            log.warning("could not release the rebuild lock; it expires in %.0f s", self.ttl)

    def __enter__(self) -> RebuildLock:
        self.acquire()
        return self

    def __exit__(self, *_: object) -> None:
        self.release()


def read_aliases(es: Elasticsearch, aliases: Sequence[str]) -> dict[str, set[str]]:
    """alias -> the concrete indices it points at now (empty when it does not exist)."""
    resp = es.options(ignore_status=404).indices.get_alias(name=",".join(aliases))
    found: dict[str, set[str]] = {a: set() for a in aliases}
    if resp.meta.status == 200:
        for index, info in resp.body.items():
            for alias in info.get("aliases", {}):
                if alias in found:
                    found[alias].add(index)
    return found


def swap(es: Elasticsearch, old: dict[str, set[str]], new: dict[str, str]) -> None:
    """Point each alias of ``new`` at its new index, atomically; verified by reading back.

    Applied when every alias points at exactly its new index; not applied when no alias
    points at a new index (``RebuildFailedError``: the caller drops the new indices, which
    nothing serves); anything else, or aliases that cannot be read back, is
    ``SwapUncertainError`` and nothing is deleted.
    """
    pairs_old = [(a, i) for a, names in old.items() for i in sorted(names)]
    actions = bodies.alias_swap(pairs_old, list(new.items()))
    problem = ""
    sent = time.monotonic()
    try:
        resp = admin(es).indices.update_aliases(
            actions=actions, master_timeout=MASTER_TIMEOUT, timeout=MASTER_TIMEOUT
        )
        if resp.body.get("errors"):
            problem = f"Elasticsearch reported errors: {resp.body.get('action_results')}"
        elif not resp.body.get("acknowledged", False):
            problem = "not acknowledged in time"
    except TransportError as exc:  # no answer: the outcome is unknown until it has settled
        problem = f"{type(exc).__name__}: {exc}"
        time.sleep(max(0.0, sent + SWAP_SETTLE - time.monotonic()))
    except Exception as exc:  # an answer (an API error): nothing pending, read it back now
        problem = f"{type(exc).__name__}: {exc}"
    try:
        state = read_aliases(es, list(new))
    except Exception as exc:
        raise SwapUncertainError(
            f"the alias swap's outcome is unknown ({problem or 'sent'}; reading the aliases back"
            f" failed: {exc}); nothing was deleted: run `techmatch index --rebuild` again"
        ) from exc
    if all(state[a] == {i} for a, i in new.items()):
        if problem:
            log.warning("the alias swap applied despite %s", problem)
        return
    if not any(i in state[a] for a, i in new.items()):  # no alias serves a new index
        raise RebuildFailedError(
            f"rebuild refused, the old index keeps serving: the alias swap did not apply"
            f" ({problem or 'the aliases did not move'})"
        )
    raise SwapUncertainError(
        "the alias swap left the aliases in a mixed state ("
        + ", ".join(f"{a} -> {sorted(state[a]) or 'nothing'}" for a in new)
        + f"; {problem}); nothing was deleted: run `techmatch index --rebuild` again"
    )


def collect_orphans(es: Elasticsearch, prefix: str, live: dict[str, set[str]]) -> list[str]:
    """Delete the versioned indices of ``prefix`` that no alias serves; returns their names."""
    patterns = ",".join(f"{prefix}-{kind}-v*" for kind in KINDS)
    resp = es.options(ignore_status=404).indices.get(index=patterns, expand_wildcards="all")
    serving = {i for names in live.values() for i in names}
    orphans = sorted(n for n in (resp.body if resp.meta.status == 200 else {}) if n not in serving)
    if orphans:
        try:
            admin(es).indices.delete(index=",".join(orphans), ignore_unavailable=True)
            log.info("deleted %d index(es) no alias serves: %s", len(orphans), ", ".join(orphans))
        except NotFoundError:
            pass
    return orphans
