"""The unit stream corpus stages read: re-iterable, one document at a time, annotations kept."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from pipeline import config
from pipeline.records import Unit
from pipeline.registry import lookup
from pipeline.run import runner
from pipeline.run.corpora import UnitStream
from tests.conftest import default_config_data, seed_feature_units


def make_units(doc: str, n: int) -> list[Unit]:
    return [Unit(doc, f"{doc}-u{i}", "paragraph", i, None, f"نص {doc} {i}", tokens=[f"w{i}"]) for i in range(n)]


def stream_of(docs: list[list[Unit]], **kwargs) -> tuple[UnitStream, list[int]]:
    calls = [0] * len(docs)

    def loader(d: int):
        def load() -> list[Unit]:
            calls[d] += 1
            return copy.deepcopy(docs[d])

        return load

    return UnitStream([loader(d) for d in range(len(docs))], sum(map(len, docs)), **kwargs), calls


def test_a_stream_is_reiterable_in_order_and_loads_a_document_per_pass() -> None:
    docs = [make_units("a", 3), make_units("b", 2)]
    stream, calls = stream_of(docs)
    assert len(stream) == 5
    first = [u.unit_id for u in stream]
    second = [u.unit_id for u in stream]
    assert first == second == ["a-u0", "a-u1", "a-u2", "b-u0", "b-u1"]
    assert calls == [2, 2]


def test_annotations_survive_passes_early_stops_and_read_only_side_passes() -> None:
    stream, _ = stream_of([make_units("a", 3), make_units("b", 2)])
    for unit in stream:  # the writing pass runs beside a reading one, as zip(units, features) does
        unit.themes, unit.theme_scores = [f"t{unit.number}"], {"x": 0.5}
    for unit, other in zip(stream, stream, strict=True):
        assert unit.themes == other.themes
    for unit in stream:
        unit.speakers = ["governments"]
        break  # a consumer that stops early still keeps what it wrote
    seen = {u.unit_id: (u.themes, u.theme_scores, u.speakers) for u in stream}
    assert seen["a-u0"] == (["t0"], {"x": 0.5}, ["governments"])
    assert seen["b-u1"] == (["t1"], {"x": 0.5}, [])
    assert stream.notes(1)[1] == ((list, ("t1",)), (dict, (("x",), (0.5,))), (list, ()))
    # every unit's dict has the same keys: one tuple of them is kept, shared by the notes
    assert stream.notes(0)[0][1][1][0] is stream.notes(1)[1][1][1][0]
    rendered = stream.document(0)
    assert [u.themes for u in rendered] == [["t0"], ["t1"], ["t2"]]


def test_cleared_annotations_are_forgotten() -> None:
    stream, _ = stream_of([make_units("a", 2)])
    for unit in stream:
        unit.themes = ["x"]
    for unit in stream:
        unit.themes = []
    assert [u.themes for u in stream] == [[], []]
    assert stream.notes(0) == {}


def test_transform_applies_to_every_pass_without_compounding() -> None:
    stream, _ = stream_of([make_units("a", 2)], transform=lambda tokens: [t + "!" for t in tokens])
    assert [u.tokens for u in stream] == [["w0!"], ["w1!"]]
    assert [u.tokens for u in stream] == [["w0!"], ["w1!"]]


@pytest.fixture(scope="module")
def seed_units(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Unit], runner.DocumentProcessor, config.Config]:
    tmp = tmp_path_factory.mktemp("seed")
    path = tmp / "config.yaml"
    path.write_text(yaml.safe_dump(default_config_data(tmp / "out"), allow_unicode=True), encoding="utf-8")
    cfg = config.load(path)
    units, _, processor = seed_feature_units(cfg)
    return units, processor, cfg


@pytest.mark.parametrize("method", ["seeded_lda", "guided_nmf", "keywords"])
def test_corpus_stages_give_the_same_results_on_a_list_and_on_a_stream(
    tmp_path: Path, seed_units: tuple, method: str
) -> None:
    units, processor, cfg = seed_units
    # the seed cut into pseudo-documents of 10 units (several loads per pass); each is a document of its
    # own on both sides, as the per-document part of a stage (actor tagging, clause vectors) sees documents
    units = copy.deepcopy(units)
    for i, unit in enumerate(units):
        unit.doc_id = f"{unit.doc_id}-{i // 10}"
    options = {"taxonomy": cfg.stages["themes"].options["taxonomy"], "threshold": "otsu"}
    stakeholder_options = cfg.stages["stakeholders"].options
    outputs = {}
    for name in ("list", "stream"):
        out = tmp_path / name
        out.mkdir()
        if name == "list":
            corpus_units: object = copy.deepcopy(units)
        else:
            docs = [units[i : i + 10] for i in range(0, len(units), 10)]
            corpus_units, _ = stream_of(docs)
        corpus = runner.Corpus(corpus_units, [], [], processor.featurize, processor.normalize, 0, out, None)
        lookup("themes", method)(**options).apply(corpus)
        lookup("stakeholders", "reported_speech")(**stakeholder_options).apply(corpus)
        notes = [(u.unit_id, u.themes, u.theme_scores, u.speakers) for u in corpus.units]
        outputs[name] = notes, {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    assert outputs["list"][0] == outputs["stream"][0]
    assert outputs["list"][1] == outputs["stream"][1]
    assert any(themes for _, themes, _, _ in outputs["stream"][0])
    assert any(speakers for _, _, _, speakers in outputs["stream"][0])
