"""The semantic theme stage's sentence vectors: made per document (on the workers when there are
any), cached with the document, reused on re-runs, re-encoded when a cached entry is damaged."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import yaml

from pipeline import config
from pipeline.records import Unit
from pipeline.run import runner
from pipeline.run.corpora import UnitStream
from pipeline.stages.themes.semantic import document_vectors, sentences, unit_vectors
from pipeline.stages.themes.stage import SemanticThemes
from pipeline.text.arabic import without_marks
from tests.conftest import ROOT, SEED
from tests.run.test_incremental import PER_DOCUMENT, make_corpus

TAXONOMY = ROOT / "configs" / "themes.yaml"


def write_config(folder: Path, corpus: Path, output: Path, kind: str = "local") -> Path:
    stages = json.loads(json.dumps(PER_DOCUMENT))
    stages["themes"] = {"impl": "semantic", "options": {"taxonomy": str(TAXONOMY)}}
    data = {
        "name": "vectors",
        "corpus": str(corpus),
        "output": str(output),
        "seed": 0,
        "executor": {"kind": kind, "workers": 2, "chunk_size": 2},
        "stages": stages,
    }
    path = folder / f"{output.name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def counting(monkeypatch) -> list[str]:
    """Record the document of every tag_document call made in this process."""
    encoded: list[str] = []
    real = SemanticThemes.tag_document

    @functools.wraps(real)  # the runner reads the cached vectors back as the type tag_document declares
    def wrapper(self, units, normalize):
        encoded.extend(u.doc_id for u in units[:1])
        return real(self, units, normalize)

    monkeypatch.setattr(SemanticThemes, "tag_document", wrapper)
    return encoded


def theme_counts(output: Path) -> dict:
    return json.loads((output / "run.json").read_text(encoding="utf-8"))["stages"]["themes"]["counts"]


def test_vectors_are_cached_per_document_and_reused_on_a_rerun(tmp_path: Path, monkeypatch) -> None:
    corpus = make_corpus(tmp_path / "corpus")
    output = tmp_path / "out"
    path = write_config(tmp_path, corpus, output)
    encoded = counting(monkeypatch)
    runner.run(config.load(path), quiet=True)
    assert sorted(encoded) == ["part0", "part1", "part2", "part3", "seed"]  # once per document
    first = {name: (output / name).read_bytes() for name in ("units.jsonl", "themes.csv")}
    assert theme_counts(output)["documents_encoded"] == 5

    encoded.clear()
    runner.run(config.load(path), quiet=True)
    assert encoded == []  # nothing changed: every document's vectors come from the cache
    assert {name: (output / name).read_bytes() for name in first} == first
    assert theme_counts(output)["documents_encoded"] == 0

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["stages"]["themes"]["options"]["min_score"] = 0.4  # a scoring option: the vectors stay valid
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    runner.run(config.load(path), quiet=True)
    assert encoded == [] and theme_counts(output)["documents_encoded"] == 0

    text = (corpus / "part1.txt").read_text(encoding="utf-8")
    (corpus / "part1.txt").write_text(text + "\n\nوأكدت الحكومات أن حماية البيانات الشخصية ضرورية.", encoding="utf-8")
    runner.run(config.load(path), quiet=True)
    assert encoded == ["part1"]  # only the changed document is encoded again


def test_processes_encode_on_the_workers_and_give_the_local_results(tmp_path: Path, monkeypatch) -> None:
    corpus = make_corpus(tmp_path / "corpus")
    encoded = counting(monkeypatch)
    files = {}
    for kind in ("local", "processes"):
        output = tmp_path / kind
        encoded.clear()
        runner.run(config.load(write_config(tmp_path, corpus, output, kind)), quiet=True)
        files[kind] = {name: (output / name).read_bytes() for name in ("units.jsonl", "themes.csv")}
        if kind == "processes":
            assert encoded == []  # every document's vectors were made on a worker
            assert theme_counts(output)["documents_encoded"] == 0
    assert files["processes"] == files["local"]
    assert b'"themes": ["' in files["local"]["units.jsonl"] or b'"themes":["' in files["local"]["units.jsonl"]


def test_workers_encode_in_the_document_pass_and_tag_only_what_it_left(tmp_path: Path, monkeypatch) -> None:
    """With worker processes, a document's vectors are made in the task that ran its own stages
    (one pass over the documents); the second map (``tag_chunk``) runs only for documents whose
    stages came from the cache without the vectors (here: a first run without the themes stage)."""
    from pipeline.run.executor import Session

    corpus = make_corpus(tmp_path / "corpus")
    output = tmp_path / "pool"
    path = write_config(tmp_path, corpus, output, "processes")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    calls: list[tuple[str, int]] = []
    real = Session.map

    def recording(self, function, args, items):
        calls.append((function.__name__, len(items)))
        return real(self, function, args, items)

    monkeypatch.setattr(Session, "map", recording)
    runner.run(config.load(path), quiet=True)
    # 5 documents and an empty file; no tag_chunk: every document was encoded in its own task
    assert calls == [("process_tag_chunk", 6)]
    assert theme_counts(output)["documents_encoded"] == 0
    first = (output / "units.jsonl").read_bytes()

    calls.clear()
    other = tmp_path / "later"
    without = {**data, "output": str(other), "stages": {k: v for k, v in data["stages"].items() if k != "themes"}}
    later = tmp_path / "later.yaml"
    later.write_text(yaml.safe_dump(without, allow_unicode=True), encoding="utf-8")
    runner.run(config.load(later), quiet=True)  # no corpus stage with a per-document part: the plain task
    assert calls[0] == ("process_chunk", 6) and "tag_chunk" not in {name for name, _ in calls}
    calls.clear()
    later.write_text(yaml.safe_dump({**data, "output": str(other)}, allow_unicode=True), encoding="utf-8")
    runner.run(config.load(later), quiet=True)  # documents cached without vectors: encoded in the second map
    assert calls == [("process_tag_chunk", 1), ("tag_chunk", 5)]  # the empty file is tried again; fails again
    assert theme_counts(other)["documents_encoded"] == 0
    assert (other / "units.jsonl").read_bytes() == first


class DamagedMemo:
    """A per-document cache whose entries are spoilt: one cut short, one not a quantised vector (a row
    of zeros, no code of magnitude 127), one unit's entry missing."""

    def __init__(self, good: list[list[bytes]]) -> None:
        self.good, self.stored = good, []

    def key(self, d: int, slot: str) -> str:
        return f"{d}:{slot}"

    def load(self, d: int, slot: str, key: str):
        blobs = list(self.good[d])
        if d == 0:
            blobs[0] = blobs[0][:-2]
        elif d == 1:
            codes = np.frombuffer(blobs[-1], dtype=np.int8).copy()
            codes[:512] = 0
            blobs[-1] = codes.tobytes()
        else:
            blobs = blobs[:-1]  # one unit's entry missing
        return blobs

    def store(self, d: int, slot: str, key: str, value) -> None:
        assert value == self.good[d]  # the document encoded again, the same bytes
        self.stored.append(d)


def test_damaged_cached_vectors_are_encoded_again() -> None:
    paragraphs = [p for p in SEED.read_text(encoding="utf-8").split("\n\n") if len(p) > 200][:6]
    docs = [
        [
            Unit(
                doc_id=f"d{d}", unit_id=f"d{d}-{i}", kind="paragraph", number=None, section=None, text=without_marks(t)
            )
            for i, t in enumerate(paragraphs[d * 2 : d * 2 + 2])
        ]
        for d in range(3)
    ]
    good = [document_vectors([u.text for u in units]) for units in docs]  # the texts have no marks
    for units, blobs in zip(docs, good, strict=True):
        for unit, blob in zip(units, blobs, strict=True):  # paragraph + sentences, 512 int8 codes each
            assert len(blob) == (1 + len(sentences(unit.text))) * 512
    stream = UnitStream([lambda units=units: list(units) for units in docs], 6, memo=DamagedMemo(good))
    stage = SemanticThemes(taxonomy=TAXONOMY)
    stage.vectors_refused_ = 0
    got = list(stage.unit_vectors(stream))
    assert stage.vectors_refused_ == 3  # every document had a damaged entry: each encoded again
    assert stream.memo.stored == [0, 1, 2]  # and stored in place of the damaged entry
    want = [
        unit_vectors(u.text, b)
        for units, blobs in zip(docs, good, strict=True)
        for u, b in zip(units, blobs, strict=True)
    ]
    assert len(got) == len(want) == 6
    for (whole, each), (whole_ok, each_ok) in zip(got, want, strict=True):
        assert np.array_equal(whole, whole_ok) and np.array_equal(each, each_ok)
    assert unit_vectors(docs[0][0].text, good[0][0][:-2]) is None
    assert unit_vectors(docs[0][0].text, "text") is None
