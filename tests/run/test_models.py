"""Corpus-level models saved with a run and reused by the next one: a small edit changes no other
document's themes, a large one refits, ``--refit`` gives the cold result, and the history says which."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from pipeline import config
from pipeline.run import history, runner
from pipeline.run.commit import CURRENT
from pipeline.run.incremental import MODELS_DIR, drift, plan_models
from tests.conftest import ROOT, SEED
from tests.run.test_incremental import PER_DOCUMENT, with_stakeholders

N_DOCS = 12
SENTENCE = "\n\nوأكدت الحكومات أن حماية البيانات الشخصية وأمن الشبكات ضرورية للتنمية.\n"


def write_config(folder: Path, corpus: Path, output: Path, name: str = "config.yaml", **themes: object) -> Path:
    stages = {
        **PER_DOCUMENT,
        "themes": {
            "impl": "semantic",
            "options": {"taxonomy": str(ROOT / "configs" / "themes.yaml"), "refit_drift": 0.25, **themes},
        },
    }
    data = {"name": "models", "corpus": str(corpus), "output": str(output), "seed": 0, "stages": stages}
    path = folder / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def make_corpus(folder: Path) -> Path:
    """Twelve documents of four paragraphs of the seed report each."""
    folder.mkdir()
    paragraphs = [p for p in SEED.read_text(encoding="utf-8").split("\n\n") if len(p) > 100]
    for i in range(N_DOCS):
        (folder / f"part{i:02d}.txt").write_text("\n\n".join(paragraphs[i * 4 : i * 4 + 4]), encoding="utf-8")
    return folder


def themes_by_unit(output: Path) -> dict[str, tuple[str, list[str], dict[str, float]]]:
    units = [json.loads(line) for line in (output / "units.jsonl").read_text(encoding="utf-8").splitlines()]
    return {u["unit_id"]: (u["doc_id"], u["themes"], u["theme_scores"]) for u in units}


def results(folder: Path, exact: bool = True) -> dict[str, bytes]:
    """Result files as bytes, the saved models included.  ``exact=False`` leaves out the raw score rows:
    a vector read back from the sentence-vector cache equals the one first computed, which can differ
    from a cold encoding in the last bits (VectorCache); every rounded result is the same."""
    files = [p for p in sorted(folder.iterdir()) if p.is_file() and p.name not in ("run.json", "report.html")]
    files += sorted((folder / CURRENT / MODELS_DIR).iterdir()) if (folder / CURRENT / MODELS_DIR).is_dir() else []
    return {
        p.name if p.parent == folder else f"models/{p.name}": p.read_bytes()
        for p in files
        if exact or p.suffix != ".npy"
    }


def same_as_cold(output: Path, fresh: Path) -> None:
    assert results(output, exact=False) == results(fresh, exact=False)
    scores = [np.load(f / CURRENT / MODELS_DIR / "theme-scores.npy", allow_pickle=False) for f in (output, fresh)]
    np.testing.assert_allclose(scores[0], scores[1], rtol=0, atol=1e-5)


def models_of(output: Path) -> dict:
    return json.loads((output / "run.json").read_text(encoding="utf-8"))["models"]


@pytest.fixture(scope="module")
def cold(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A cold run of the corpus, kept aside: tests start from it (document keys include the
    corpus path, so the corpus and output folders are restored in place, not copied elsewhere)."""
    tmp = tmp_path_factory.mktemp("models")
    corpus = make_corpus(tmp / "corpus")
    output = tmp / "out"
    runner.run(config.load(write_config(tmp, corpus, output)), quiet=True)
    shutil.copytree(corpus, tmp / "corpus.orig", symlinks=True)
    shutil.copytree(output, tmp / "out.orig", symlinks=True)
    return tmp, corpus, output


def copy(cold: tuple[Path, Path, Path]) -> tuple[Path, Path]:
    """The cold run's corpus and output folder as they were after it."""
    _, corpus, output = cold
    for folder in (corpus, output):
        shutil.rmtree(folder)
        shutil.copytree(folder.with_name(folder.name + ".orig"), folder, symlinks=True)
    return corpus, output


def test_cold_run_saves_models_as_data_and_is_deterministic(cold, tmp_path: Path) -> None:
    _, corpus, output = cold
    assert models_of(output)["decision"] == "refitted"
    saved = json.loads((output / CURRENT / MODELS_DIR / "models.json").read_text(encoding="utf-8"))
    assert set(saved["themes"]["thresholds"]) == {t for _, (_, _, s) in themes_by_unit(output).items() for t in s}
    scores = np.load(output / CURRENT / MODELS_DIR / "theme-scores.npy", allow_pickle=False)
    assert scores.shape[0] == sum(n for _, n in saved["documents"]) == len(themes_by_unit(output))
    again = tmp_path / "again"
    runner.run(config.load(write_config(tmp_path, corpus, again)), quiet=True)
    assert results(again) == results(output)  # a cold start gives the same bytes, models included


def test_one_edited_document_changes_no_other_documents_themes(cold, tmp_path: Path) -> None:
    corpus, output = copy(cold)
    path = write_config(cold[0], corpus, output)
    before = themes_by_unit(output)
    with open(corpus / "part05.txt", "a", encoding="utf-8") as handle:
        handle.write(SENTENCE)
    lines = list(runner.reanalyse(config.load(path), quiet=True))
    changes = json.loads((output / "run.json").read_text(encoding="utf-8"))["changes"]
    assert changes["changed"] == 1 and changes["sources"] == {"changed": [str(corpus / "part05.txt")]}
    models = models_of(output)
    assert models["decision"] == "reused", models
    assert 0 < models["drift"] <= models["threshold"] == 0.25
    assert any(line.startswith("corpus-level models:") and "reused" in line for line in lines)
    after = themes_by_unit(output)
    others = {u: v for u, v in before.items() if v[0] != "part05"}
    assert others and {u: after[u] for u in others} == others  # themes and scores, unit by unit
    assert any(v[0] == "part05" for v in after.values())
    table = history.runs(output)
    assert json.loads(table["models"].iloc[-1])["decision"] == "reused"
    assert json.loads(table["models"].iloc[0])["decision"] == "refitted"
    assert "models " in history.describe(output)

    # --refit gives what a cold run of the edited corpus gives
    list(runner.reanalyse(config.load(path), quiet=True, refit=True))
    assert models_of(output)["decision"] == "refitted" and "forced" in models_of(output)["reason"]
    fresh = tmp_path / "fresh"
    runner.run(config.load(write_config(tmp_path, corpus, fresh, name="fresh.yaml")), quiet=True)
    same_as_cold(output, fresh)


def test_a_change_past_the_threshold_refits_and_the_history_says_so(cold, tmp_path: Path) -> None:
    corpus, output = copy(cold)
    for i in range(4):  # a third of the corpus
        with open(corpus / f"part{i:02d}.txt", "a", encoding="utf-8") as handle:
            handle.write(SENTENCE)
    runner.run(config.load(write_config(cold[0], corpus, output)), quiet=True)
    models = models_of(output)
    assert models["decision"] == "refitted" and models["drift"] > 0.25
    assert "refitted" in models["reason"] and "threshold 25%" in models["reason"]
    assert json.loads(history.runs(output)["models"].iloc[-1])["decision"] == "refitted"
    fresh = tmp_path / "fresh"
    runner.run(config.load(write_config(tmp_path, corpus, fresh, name="fresh.yaml")), quiet=True)
    same_as_cold(output, fresh)


def test_no_change_reuses_everything(cold, tmp_path: Path) -> None:
    corpus, output = copy(cold)
    path = write_config(cold[0], corpus, output)
    before = results(output)
    lines = list(runner.reanalyse(config.load(path), quiet=True))
    assert any(line.startswith(f"reused: {N_DOCS} files -- nothing changed") for line in lines)
    assert results(output) == before
    runner.run(config.load(path), quiet=True)  # `run` rewrites the results, with the saved models
    assert models_of(output) == {
        "decision": "reused",
        "reason": "drift 0.00% of the fitted units, threshold 25%: reused",
        "drift": 0.0,
        "threshold": 0.25,
    }
    assert results(output) == before


def test_a_changed_option_refits(cold, tmp_path: Path) -> None:
    corpus, output = copy(cold)
    runner.run(config.load(write_config(cold[0], corpus, output, temperature=0.08)), quiet=True)
    assert "configuration" in models_of(output)["reason"] and models_of(output)["decision"] == "refitted"


def test_drift_counts_units_added_and_removed_against_the_fit(tmp_path: Path) -> None:
    fitted = [["a", 10], ["b", 30], ["c", 60]]
    assert drift(fitted, fitted) == 0.0
    assert drift(fitted, [["a", 10], ["b2", 32], ["c", 60]]) == pytest.approx((30 + 32) / 100)
    assert drift(fitted, [["a", 10], ["b", 30]]) == pytest.approx(0.6)
    assert drift([], [["a", 1]]) == 1.0
    # no saved models, or unreadable ones: fit
    assert plan_models(tmp_path, "k", fitted, refit=False, method="semantic", threshold=0.1).reuse is False
    (tmp_path / CURRENT / MODELS_DIR).mkdir(parents=True)
    (tmp_path / CURRENT / MODELS_DIR / "models.json").write_text("not json", encoding="utf-8")
    assert plan_models(tmp_path, "k", fitted, refit=False, method="semantic", threshold=0.1).reuse is False
    saved = {"format": 1, "key": "k", "fitted": fitted, "documents": fitted}
    (tmp_path / CURRENT / MODELS_DIR / "models.json").write_text(json.dumps(saved), encoding="utf-8")
    assert plan_models(tmp_path, "k", fitted, refit=False, method="semantic", threshold=0.1).reuse is True
    topic = plan_models(tmp_path, "k", fitted, refit=False, method="seeded_lda", threshold=0.1)
    assert not topic.reuse and "no transform-only mode" in topic.reason
    assert "forced" in plan_models(tmp_path, "k", fitted, refit=True, method="semantic", threshold=0.1).reason


def statements_by_document(output: Path) -> dict[str, list[str]]:
    """statements.jsonl lines (themes, speaker, stance scores and their evidence) per document."""
    out: dict[str, list[str]] = {}
    for line in (output / "statements.jsonl").read_text(encoding="utf-8").splitlines():
        out.setdefault(json.loads(line)["doc_id"], []).append(line)
    return out


def test_one_edited_document_changes_no_other_documents_statements(tmp_path: Path) -> None:
    """With the stakeholders stage after the themes: an edit to one document leaves every other
    document's themes and statements (speakers, themes, stance scores) byte for byte, and the group
    positions -- aggregated over the corpus on every run -- are those of a cold run of the edited corpus."""
    corpus = make_corpus(tmp_path / "corpus")
    output = tmp_path / "out"
    path = write_config(tmp_path, corpus, output)
    data = with_stakeholders(path)
    runner.run(config.load(path), quiet=True)
    themes, statements = themes_by_unit(output), statements_by_document(output)
    assert len(statements) >= 3, statements.keys()  # several documents have statements to compare
    with open(corpus / "part05.txt", "a", encoding="utf-8") as handle:
        handle.write(SENTENCE)
    list(runner.reanalyse(config.load(path), quiet=True))
    assert models_of(output)["decision"] == "reused"
    after_themes, after = themes_by_unit(output), statements_by_document(output)
    assert {u: after_themes[u] for u, v in themes.items() if v[0] != "part05"} == {
        u: v for u, v in themes.items() if v[0] != "part05"
    }
    assert {d: after.get(d) for d in statements if d != "part05"} == {
        d: v for d, v in statements.items() if d != "part05"
    }
    assert len(after.get("part05", [])) > len(statements.get("part05", []))  # the added sentence is a statement
    data["output"] = str(tmp_path / "fresh")
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    runner.run(config.load(path), quiet=True)
    assert (output / "positions.csv").read_bytes() == (tmp_path / "fresh" / "positions.csv").read_bytes()


def test_reused_models_keep_the_theme_descriptions_whose_terms_did_not_change(cold, tmp_path, monkeypatch) -> None:
    """Under reused models, the words shown for the terms and the coherence of a theme whose top
    terms are those of the fit come from the saved models: the units' sample is read again only for
    what the saved ones do not cover (and the coherence only of themes whose terms changed)."""
    from pipeline.stages.themes import reuse as stage

    corpus, output = copy(cold)
    saved = json.loads((output / CURRENT / MODELS_DIR / "models.json").read_text(encoding="utf-8"))["themes"]
    assert set(saved["display"]) >= {f for terms, _ in saved["coherence"] for f in terms}
    asked: dict[str, list] = {"display": [], "coherence": []}
    real_display, real_coherence = stage.display_words, stage.npmi_coherence

    def display(units, featurize, wanted):
        asked["display"].append(wanted)
        return real_display(units, featurize, wanted)

    def coherence(top, texts):
        asked["coherence"].append(top)
        return real_coherence(top, texts)

    monkeypatch.setattr(stage, "display_words", display)
    monkeypatch.setattr(stage, "npmi_coherence", coherence)
    with open(corpus / "part05.txt", "a", encoding="utf-8") as handle:  # words the corpus has: no theme gets new terms
        handle.write("\n\n" + (corpus / "part00.txt").read_text(encoding="utf-8").split("\n\n")[0])
    list(runner.reanalyse(config.load(write_config(cold[0], corpus, output)), quiet=True))
    assert models_of(output)["decision"] == "reused"
    now = json.loads((output / CURRENT / MODELS_DIR / "models.json").read_text(encoding="utf-8"))["themes"]
    kept = [j for j, (terms, _) in enumerate(now["coherence"]) if sorted(terms) == sorted(saved["coherence"][j][0])]
    assert kept  # the edit left some theme's top terms as they were
    assert [now["coherence"][j][1] for j in kept] == [saved["coherence"][j][1] for j in kept]
    moved = [terms for j, (terms, _) in enumerate(now["coherence"]) if j not in kept]
    assert asked["coherence"] == ([moved] if moved else [])
    covered = {f for terms, _ in now["coherence"] for f in terms} <= set(saved["display"])
    assert covered and asked["display"] == []  # the fit saved words for the terms a small change brings up
    assert now["display"] == saved["display"]
    with open(output / "themes.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for j in kept:  # the file shows the saved words and coherence
        value = saved["coherence"][j][1]
        assert rows[j]["top_terms"] == ";".join(saved["display"][f] for f in now["coherence"][j][0])
        assert (rows[j]["coherence_npmi"] or None) == (None if value is None else f"{value:.4f}")


def test_a_topics_npmi_coherence_does_not_depend_on_the_other_topics() -> None:
    """What lets reused models recompute the coherence of the changed themes only (gensim's sliding
    windows keep the positions of untracked words)."""
    from pipeline.stages.themes.results import npmi_coherence

    texts = [["a", "b", "c", "d"], ["a", "x", "b"], ["c", "d", "e", "a"], ["b", "e"], ["x", "y", "a", "b"]] * 3
    topics = [["a", "b"], ["c", "d", "e"], ["x", "y", "e"]]
    whole = npmi_coherence(topics, texts)
    assert [npmi_coherence([t], texts)[0] for t in topics] == whole
    assert npmi_coherence([t[::-1] for t in topics], texts) == whole  # over all pairs: the order does not count
    assert len(set(whole)) == 3
