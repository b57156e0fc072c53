"""The per-document cache: data only (no pickle), lean, and no bad entry or full disk breaks a run."""

from __future__ import annotations

import errno
import hashlib
import logging
import lzma
import os
import pickle
import zlib
from collections import Counter
from pathlib import Path

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import config
from pipeline.records import Document, Table, TableRow, Unit
from pipeline.run import cache as cache_module
from pipeline.run import runner
from pipeline.run.cache import FORMAT, MAGIC, DocumentCache, Snapshot, file_key
from pipeline.run.documents import DocumentResult
from pipeline.run.plain import ShapeError, from_plain, to_plain
from tests.conftest import SEED
from tests.run.test_incremental import make_corpus, results, write_config

# --------------------------------------------------------------------------- records <-> plain data

text = st.text(max_size=20)
score = st.floats(allow_nan=False) | st.integers(-5, 5)
json_value = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False) | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=8,
)
units = st.builds(
    Unit,
    doc_id=text,
    unit_id=text,
    kind=text,
    number=st.none() | st.integers(0, 10**6),
    section=st.none() | text,
    text=text,
    raw=text,
    norm=text,
    tokens=st.lists(text, max_size=5),
    themes=st.lists(text, max_size=3),
    theme_scores=st.dictionaries(text, score, max_size=3),
    speakers=st.lists(text, max_size=2),
    extra=st.dictionaries(text, json_value, max_size=2),
)
rows = st.builds(
    TableRow,
    label=text,
    printed=st.lists(text, max_size=3),
    values=st.lists(st.none() | st.integers(-(2**63), 2**63 - 1), max_size=3),
    flags=st.lists(text, max_size=2),
    implied=st.lists(st.none() | st.integers(-(2**63), 2**63 - 1), max_size=2),
    label_en=st.none() | text,
    group=st.none() | text,
)
tables = st.builds(
    Table, doc_id=text, unit_id=text, title=text, columns=st.lists(text, max_size=3), rows=st.lists(rows, max_size=2)
)
documents = st.builds(
    Document,
    doc_id=text,
    source=text,
    text=text,
    encoding=text,
    sha256=text,
    meta=st.dictionaries(text, json_value, max_size=2),
    fixes=st.dictionaries(text, st.integers(0, 99), max_size=2),
)
results_ = st.builds(
    DocumentResult,
    source=text,
    doc_id=st.none() | text,
    units=st.lists(units, max_size=3),
    tables=st.lists(tables, max_size=1),
    counts=st.dictionaries(text, st.dictionaries(text, st.integers(0, 10**6), max_size=3), max_size=3),
    seconds=st.dictionaries(text, st.floats(0, 100), max_size=2),
    error=st.none() | text,
    computed=st.lists(text, max_size=3),
    profile=st.dictionaries(text, json_value, max_size=2),
)


def through_msgpack(kind, value):
    """``value`` as the cache stores and reads it (any str, lone surrogates included: file names)."""
    return from_plain(kind, cache_module._unpack(cache_module._pack(to_plain(value))))


@settings(max_examples=60, deadline=None)
@given(documents, st.lists(units, max_size=4), st.lists(tables, max_size=2), results_)
def test_records_come_back_equal_from_plain_data(document, unit_list, table_list, result) -> None:
    assert through_msgpack(Document, document) == document
    assert through_msgpack(Document | None, None) is None
    assert through_msgpack(list[Unit], unit_list) == unit_list
    assert through_msgpack(list[Table], table_list) == table_list
    assert through_msgpack(DocumentResult, result) == result


def test_plain_data_of_the_wrong_shape_is_refused() -> None:
    unit = Unit("d", "u1", "paragraph", 1, None, "نص")
    plain = to_plain(unit)
    with pytest.raises(ShapeError):
        from_plain(Unit, plain[:-1])  # a field missing
    with pytest.raises(ShapeError):
        from_plain(Unit, [1, *plain[1:]])  # doc_id not a str
    with pytest.raises(ShapeError):
        from_plain(list[Unit], {"a": plain})
    with pytest.raises(ShapeError):
        from_plain(dict[str, float], {"a": "x"})
    with pytest.raises(ShapeError):
        from_plain(int, True)
    with pytest.raises(TypeError):
        to_plain({1, 2})  # a set has no plain form
    assert from_plain(dict[str, float], {"a": 1}) == {"a": 1}  # an int stays an int: files print it as made


# --------------------------------------------------------------------------- the cache file


def snapshots() -> list[Snapshot]:
    doc = to_plain(Document("d", "d.txt", "النص كله", "utf-8", "abc"))
    first = [Unit("d", "u1", "paragraph", 1, None, "نص اول", raw="نص اول"), Unit("d", "u2", "heading", None, "s", "ب")]
    later = [Unit(**{**vars(u), "norm": u.text + "!", "tokens": u.text.split()}) for u in first]
    table = [Table("d", "u3", "جدول", ["a"], [TableRow("r", ["1"], [1])])]
    return [
        Snapshot("ingest", "c1", to_plain(DocumentResult("d.txt", doc_id="d")), doc, [], []),
        Snapshot(
            "structure", "c2", to_plain(DocumentResult("d.txt", doc_id="d")), doc, to_plain(first), to_plain(table)
        ),
        Snapshot(
            "normalise", "c3", to_plain(DocumentResult("d.txt", n_units=2)), None, to_plain(later), to_plain(table)
        ),
        Snapshot("tokenise", "c4", to_plain(DocumentResult("d.txt", n_units=1)), None, to_plain(later[:1]), []),
    ]


def test_snapshots_come_back_as_stored(tmp_path: Path) -> None:
    cache = DocumentCache(tmp_path)
    stored = snapshots()
    assert cache.store("k" * 64, stored)
    assert cache.snapshots("k" * 64) == stored
    assert cache.chains("k" * 64) == [("ingest", "c1"), ("structure", "c2"), ("normalise", "c3"), ("tokenise", "c4")]
    assert cache.head("k" * 64, "c3") == stored[2].head
    assert cache.snapshot("k" * 64, "c2") == stored[1]
    assert cache.store_memo("k" * 64, "stakeholders", "m1", [{"u1": []}, {}])
    assert cache.memo("k" * 64, "stakeholders", "m1") == (True, [{"u1": []}, {}])
    assert cache.memo("k" * 64, "stakeholders", "other") == (False, None)
    assert cache.snapshots("k" * 64) == stored  # the memo left the snapshots as they were
    assert not cache.problems
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [f"{'k' * 64}.dc"]  # one file, no temp file


def test_a_memo_taken_by_its_stage_is_no_longer_held_in_memory(tmp_path: Path, monkeypatch) -> None:
    """A corpus stage reads each document's memo once: handed over (``consume``), the kept copy is
    dropped, the other stages' memos of the file stay kept (read without the disk), and a memo just
    stored is not kept for the stage that stored it."""
    cache = DocumentCache(tmp_path)
    key = "k" * 64
    assert cache.store(key, snapshots())
    assert cache.store_memo(key, "themes", "t1", ["vectors"])
    assert cache._memo_bytes == 0  # the stage that stored it has it
    assert cache.store_memo(key, "stakeholders", "s1", [{"u1": []}, {}])
    kept = cache._memo_bytes
    assert kept > 0  # the themes' memo, for a later stage of this run
    fresh = DocumentCache(tmp_path)  # a later run: the file is read from disk once
    assert fresh.chains(key)
    reads = sum(fresh.reads.values())
    total = fresh._memo_bytes
    assert fresh.memo(key, "themes", "t1", consume=True) == (True, ["vectors"])
    assert fresh._memo_bytes == total - kept  # let go
    assert fresh.memo(key, "stakeholders", "s1", consume=True) == (True, [{"u1": []}, {}])
    assert fresh._memo_bytes == 0 and sum(fresh.reads.values()) == reads  # both from memory
    assert fresh.memo(key, "themes", "t1") == (True, ["vectors"])  # asked again: read from disk
    assert sum(fresh.reads.values()) == reads + 1


def write_entry(cache: DocumentCache, key: str, data: bytes) -> Path:
    path = cache.path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def outer(key: str, **parts) -> bytes:
    found = {"format": FORMAT, "key": key, "slots": [["ingest", "c1"]], "memo": {}, **parts}
    return MAGIC + msgpack.packb(found, use_bin_type=True)


class Payload:
    """Unpickling this runs a shell command: what a crafted pickle entry did to the old cache."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_unreadable_entries_are_misses_counted_never_errors(tmp_path: Path) -> None:
    cache = DocumentCache(tmp_path / "cache")
    marker = tmp_path / "pwned"
    cases = {
        "pickle": lambda key: pickle.dumps(Payload(marker)),
        "pickle after the magic": lambda key: MAGIC + pickle.dumps(Payload(marker)),
        "torn": lambda key: outer(key, head=zlib.compress(b"x"), body=b"")[:-7],
        "old format": lambda key: outer(key, head=b"", body=b"", format=FORMAT - 1),
        "other key": lambda key: outer("b" * 64, head=b"", body=b""),
        "wrong shape": lambda key: outer(key, head=zlib.compress(msgpack.packb([1, 2])), body=zlib.compress(b"")),
        "bomb": lambda key: outer(key, head=zlib.compress(b"\x00" * (70 << 20), 9), body=b""),  # 70 KB -> 70 MB
        # the snapshots' body is xz: the same limits hold for it
        "xz bomb": lambda key: outer(key, head=lzma.compress(b"\x00" * (70 << 20)), body=b""),  # 10 KB -> 70 MB
        "xz torn": lambda key: outer(key, head=lzma.compress(msgpack.packb([[1]]))[:-5], body=b""),
        "xz and more": lambda key: outer(key, head=lzma.compress(msgpack.packb([[1]])) + b"x", body=b""),
    }
    for name, make in cases.items():
        key = hashlib.sha256(name.encode()).hexdigest()
        path = write_entry(cache, key, make(key))
        assert cache.snapshots(key) == [], name
        assert cache.head(key, "c1") is None, name
        assert not path.exists(), name  # removed: the next store writes a good one
    assert not marker.exists()
    assert cache.problems == {"not_cache_data": len(cases) - 1, "old_version": 1}  # once per file
    key = "a" * 64
    cache.path(key).mkdir(parents=True)  # a folder where the file should be
    assert cache.snapshots(key) == [] and cache.problems["unreadable"] == 1
    assert not cache.store(key, snapshots()) and cache.problems["not_written"] == 1
    assert cache.writing  # one bad path does not stop the cache
    huge = snapshots()
    huge[1].tables[0][4][0][2] = [10**30]  # a table value past 64 bits has no msgpack form: not cached
    assert not cache.store("c" * 64, huge) and cache.problems["not_encodable"] == 1


def test_a_crafted_entry_runs_no_code_and_the_document_is_recomputed(setup) -> None:
    tmp, corpus, output = setup
    cfg = config.load(write_config(tmp, corpus, output))
    runner.run(cfg, quiet=True)
    before = results(output)
    marker = tmp / "pwned"
    entries = sorted((output / runner.CACHE_DIR).glob("*/*.dc"))
    assert len(entries) == 6  # one file per document (the empty one too: its failure is cached)
    entries[0].write_bytes(MAGIC + pickle.dumps(Payload(marker)))
    entries[1].write_bytes(pickle.dumps(Payload(marker)))
    entries[2].write_bytes(outer(entries[2].stem, head=zlib.compress(msgpack.packb([[1]])), body=b"x"))
    summary = runner.run(cfg, quiet=True)
    assert not marker.exists()
    assert summary.changes.computed == 3 and summary.changes.reused == 3
    assert results(output) == before
    assert summary.counts["cache"] == {"not_cache_data": 3}
    assert any(line.startswith("cache: not_cache_data 3") for line in summary.lines())
    assert runner.run(cfg, quiet=True).changes.reused == 6  # rewritten whole


def test_an_entry_of_the_wrong_type_is_a_miss(setup) -> None:
    tmp, corpus, output = setup
    cfg = config.load(write_config(tmp, corpus, output))
    runner.run(cfg, quiet=True)
    before = results(output)
    cache = DocumentCache(output / runner.CACHE_DIR)
    path = next(p for p in sorted(cache.root.glob("*/*.dc")) if len(cache.chains(p.stem)) == 5)  # not the empty file
    stored = cache.snapshots(path.stem)
    stored[-1].head = to_plain(Unit("d", "u", "k", None, None, "t"))  # a Unit where a result belongs
    stored[-1].units = [["not", "a", "unit"]]
    assert cache.store(path.stem, stored)
    summary = runner.run(cfg, quiet=True)
    assert summary.changes.reused == 5 and summary.changes.resumed == 1
    assert summary.counts["cache"] == {"wrong_shape": 1}
    assert results(output) == before


@pytest.fixture()
def setup(tmp_path: Path) -> tuple[Path, Path, Path]:
    return tmp_path, make_corpus(tmp_path / "corpus"), tmp_path / "out"


# --------------------------------------------------------------------------- sticky failures


def test_disk_full_while_caching_keeps_the_run_going_and_the_next_run_succeeds(setup, monkeypatch, caplog) -> None:
    tmp, corpus, output = setup
    cfg = config.load(write_config(tmp, corpus, output))
    fresh = tmp / "fresh"
    runner.run(config.load(write_config(tmp, corpus, fresh)), quiet=True)
    cfg = config.load(write_config(tmp, corpus, output))
    writes = []

    def full(handle, data: bytes) -> None:
        writes.append(len(data))
        if len(writes) >= 3:  # two entries fit, then the disk is full half-way through the third
            handle.write(data[: len(data) // 2])
            handle.flush()
            raise OSError(errno.ENOSPC, "No space left on device")
        handle.write(data)

    monkeypatch.setattr(cache_module, "_write_bytes", full)
    with caplog.at_level(logging.WARNING, logger="pipeline"):
        summary = runner.run(cfg, quiet=True)
    assert len(writes) == 3  # no cache write after the disk was found full
    assert summary.documents == 5
    assert results(output) == results(fresh)  # the results were written, from the units held in memory
    assert summary.counts["cache"] == {"not_written_disk_full": 1}
    assert "cache: not_written_disk_full 1" in summary.lines()
    assert sum("disk full" in r.message for r in caplog.records) == 1
    assert not list((output / runner.CACHE_DIR).rglob("*.tmp"))  # the partial write was removed
    assert len(list((output / runner.CACHE_DIR).glob("*/*.dc"))) == 2
    monkeypatch.undo()
    again = runner.run(cfg, quiet=True)  # room again: the rest is computed and cached
    assert again.changes.reused == 2 and again.changes.computed == 4
    assert not again.counts["cache"] and not any(line.startswith("cache:") for line in again.lines())
    assert results(output) == results(fresh)
    assert runner.run(cfg, quiet=True).changes.reused == 6


def test_cache_folder_that_is_a_file_runs_without_the_cache(setup, caplog) -> None:
    tmp, corpus, output = setup
    output.mkdir()
    (output / runner.CACHE_DIR).write_text("not a folder", encoding="utf-8")
    cfg = config.load(write_config(tmp, corpus, output))
    with caplog.at_level(logging.WARNING, logger="pipeline"):
        found, processor = runner.process_documents(cfg, runner.find_corpus_files(cfg.corpus))
    assert len([r for r in found if r.error is None]) == 5 and all(r.units for r in found if r.error is None)
    assert processor.cache.problems == {"folder_not_usable": 1}
    warnings = [r.message for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        f"{output / runner.CACHE_DIR} is not a folder: running without the cache (remove it to cache again)"
    ]
    assert (output / runner.CACHE_DIR).read_text(encoding="utf-8") == "not a folder"


# --------------------------------------------------------------------------- size


def disk_bytes(folder: Path) -> tuple[int, int]:
    """(bytes allocated on disk, as du counts them, files) under ``folder``."""
    files = [p for p in folder.rglob("*") if p.is_file()]
    return sum(p.stat().st_blocks * 512 for p in files), len(files)


def test_cache_takes_at_most_four_times_the_text_one_file_per_document(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    paragraphs = SEED.read_text(encoding="utf-8").split("\n\n")
    parts = 4
    for i in range(parts):
        (corpus / f"part{i}.txt").write_text("\n\n".join(paragraphs[i::parts]), encoding="utf-8")
    text_bytes = sum(p.stat().st_size for p in corpus.iterdir())
    output = tmp_path / "out"
    runner.run(config.load(write_config(tmp_path, corpus, output)), quiet=True)
    cache = output / runner.CACHE_DIR
    size, _ = disk_bytes(cache)
    entries = sorted(cache.glob("*/*.dc"))
    assert len(entries) == parts and sorted(cache.glob("*/*")) == entries
    assert size <= 4 * text_bytes, f"cache {size} bytes on disk for {text_bytes} bytes of text"


def test_file_key_names_one_file_per_document(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    assert file_key(path, "0" * 64) == file_key(path, "0" * 64) != file_key(path, "1" * 64)


def test_a_cached_run_reads_each_document_twice_and_joins_its_phrases_once(tmp_path: Path, monkeypatch) -> None:
    """One pass over the cache per run: each document's file is read when the run is planned (its head)
    and once for its body -- by the phrase fit when the models are refitted, by the tables when they are
    reused -- whose units the corpus stages' first pass then unpacks and joins phrases on; their other
    passes (themes iterate several times) and units.jsonl unpack it from memory; the stakeholders'
    cached tags come from the memos kept when the file was read."""
    from pipeline.run.finish import CorpusOutputs
    from tests.conftest import default_config_data

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    paragraphs = SEED.read_text(encoding="utf-8").split("\n\n")
    for i in range(3):
        (corpus / f"part{i}.txt").write_text("\n\n".join(paragraphs[i::3]), encoding="utf-8")
    data = default_config_data(tmp_path / "out")
    data["corpus"] = str(corpus)
    path = tmp_path / "config.yaml"
    path.write_text(__import__("yaml").safe_dump(data, allow_unicode=True), encoding="utf-8")
    cfg = config.load(path)
    first = runner.run(cfg, quiet=True)

    def result_files(folder: Path) -> dict[str, bytes]:  # the report also shows the run history: left out
        return {name: data for name, data in results(folder).items() if name != "report.html"}

    before = result_files(tmp_path / "out")
    assert "stakeholders" in data["stages"]  # a corpus stage with a per-document memo
    reads: list[str] = []
    real_read = DocumentCache.snapshots
    monkeypatch.setattr(DocumentCache, "snapshots", lambda self, key: reads.append(key) or real_read(self, key))
    files: list[str] = []
    real_outer = DocumentCache._outer
    monkeypatch.setattr(DocumentCache, "_outer", lambda self, key: files.append(key) or real_outer(self, key))
    joined: list[int] = []
    real_fit = CorpusOutputs.fit_corpus

    def fit(self, seconds):  # count the phrase joins of the units the corpus stages read
        real_fit(self, seconds)
        transform = self.processor.transform
        self.processor.transform = lambda tokens: joined.append(1) or transform(tokens)

    monkeypatch.setattr(CorpusOutputs, "fit_corpus", fit)
    for refit in (False, True):  # models reused (the tables read the bodies), then refitted (the phrase fit)
        for seen in (reads, files, joined):
            seen.clear()
        again = runner.run(cfg, quiet=True, refit=refit)
        assert again.changes.reused == 3 and again.units == first.units
        assert again.models["decision"] == ("refitted" if refit else "reused")
        assert len(reads) == 3 and len(set(reads)) == 3  # each document's body once
        assert sorted(Counter(files).values()) == [2, 2, 2]  # its file twice: the head, the body
        assert len(joined) == again.units  # phrases joined once per unit, though the themes read the units many times
        assert result_files(tmp_path / "out") == before


def test_prune_removes_old_pickles_temp_files_and_unused_entries(tmp_path: Path) -> None:
    cache = DocumentCache(tmp_path)
    assert cache.store("a" * 64, snapshots()) and cache.store("b" * 64, snapshots())
    old = tmp_path / "tokenise" / "ab" / f"{'ab' * 32}.pkl"
    old.parent.mkdir(parents=True)
    old.write_bytes(pickle.dumps("an entry of the pickle format"))
    torn = cache.path("a" * 64).with_name(".x.tmp")
    torn.write_bytes(b"half")
    unused = cache.path("b" * 64)
    os.utime(unused, (0, 0))
    assert cache.prune(["a" * 64]) == 3
    assert [p.name for p in tmp_path.rglob("*")] == ["aa", f"{'a' * 64}.dc"]


def test_a_stage_key_covers_the_modules_the_stage_imports(monkeypatch) -> None:
    """A stage's code is its module and every pipeline module it imports: an edit to formats.py (the HTML
    reader ingest calls) or to structure/general.py must miss the cache; before, only the stage's own
    file (structure/__init__.py, ingest.py) was hashed and such edits read back stale results."""
    from pipeline.run import codehash

    seen: dict[str, set[str]] = {}

    def spy(paths):
        paths = sorted(paths)
        seen[name] = {str(p.relative_to(codehash.PACKAGE)) for p in paths}
        return "h"

    monkeypatch.setattr(codehash, "_files_hash", spy)
    for name in ("pipeline.stages.ingest", "pipeline.stages.structure", "pipeline.stages.repair.pdf_artefacts"):
        codehash.module_source_hash.__wrapped__(name)
    assert {"stages/ingest.py", "stages/formats.py", "stages/pdf_text.py"} <= seen["pipeline.stages.ingest"]
    assert {"stages/structure/general.py", "stages/structure/furniture.py"} <= seen["pipeline.stages.structure"]
    # a module of a stage's sub-package brings the whole package, its data files too
    repair = seen["pipeline.stages.repair.pdf_artefacts"]
    assert "stages/repair/reading_order.py" in repair and "stages/repair/data/ngram_ar.tsv.gz" in repair
    assert "cli.py" not in repair and "api.py" not in repair  # the faces are not stage code
