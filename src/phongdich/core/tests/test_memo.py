"""core.memo's Snapshot: a whole small table kept a few seconds, cleared with the memos."""

from __future__ import annotations

from phongdich.core import memo


def test_a_snapshot_is_read_once_per_ttl_and_again_when_forgotten(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(memo.time, "monotonic", lambda: clock[0])
    reads: list[int] = []

    def load() -> dict[str, int]:
        reads.append(1)
        return {"a": len(reads)}

    snapshot: memo.Snapshot[str, int] = memo.Snapshot("test", ttl=10, load=load)
    try:
        assert snapshot.get("a") == 1 and snapshot.get("missing") is None
        clock[0] += 9.9
        assert snapshot.get("a") == 1 and len(reads) == 1
        clock[0] += 0.1
        assert snapshot.get("a") == 2 and len(reads) == 2
        memo.forget_all()  # what a change to a venue, an account or a unit through this process calls
        assert snapshot.get("a") == 3 and len(reads) == 3
    finally:
        memo._all_memos.remove(snapshot)
