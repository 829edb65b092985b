"""The hash chain itself, pure: canonical JSON, links, and walking a chain to its first break."""

import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS = "0" * 64


def canonical(payload: Mapping[str, Any]) -> str:
    """One spelling per payload: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def link(prev_hash: str, payload: Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(payload)).encode()).hexdigest()


def extend(
    tenant_id: uuid.UUID, items: Iterable[tuple[str, str, Mapping[str, Any], datetime]]
) -> list[dict[str, Any]]:
    """`audit_entries` rows of a new chain for (kind, ref, payload, at) items, linked as the
    sequencer links them (`seal`)."""
    listed = list(items)
    links = seal((payload for _, _, payload, _ in listed), seq=0, prev=GENESIS)
    return [
        {
            "tenant_id": tenant_id,
            "seq": seq,
            "kind": kind,
            "ref": ref,
            "payload": payload,
            "prev_hash": prev_hash,
            "hash": digest,
            "at": at,
        }
        for (kind, ref, payload, at), (seq, prev_hash, digest) in zip(listed, links, strict=True)
    ]


def seal(
    payloads: Iterable[Mapping[str, Any]], *, seq: int, prev: str
) -> list[tuple[int, str, str]]:
    """(seq, prev_hash, hash) for each payload in turn, continuing a chain whose last entry is
    number `seq` with hash `prev`: what the sequencer writes onto unlinked entries."""
    links = []
    for payload in payloads:
        seq, digest = seq + 1, link(prev, payload)
        links.append((seq, prev, digest))
        prev = digest
    return links


@dataclass(frozen=True)
class Break:
    seq: int
    reason: str


@dataclass(frozen=True)
class Link:
    seq: int
    payload: Mapping[str, Any]
    prev_hash: str | None
    hash: str | None


def first_break(links: Iterable[Link]) -> tuple[int, Break | None]:
    """Walks the chain in order; returns how many links held and the first that did not."""
    expected_prev, count = GENESIS, 0
    for entry in links:
        if entry.seq != count + 1:
            return count, Break(count + 1, f"entry {count + 1} is missing")
        if entry.prev_hash != expected_prev:
            return count, Break(entry.seq, "does not follow the previous entry")
        if link(entry.prev_hash, entry.payload) != entry.hash:
            return count, Break(entry.seq, "its content was changed after it was written")
        expected_prev, count = entry.hash, count + 1
    return count, None
