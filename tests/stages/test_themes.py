"""Tests for the theme stage: taxonomy validation, scorers, outputs, stability, evaluation, discovery."""

from __future__ import annotations

import csv
import json
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import yaml

from pipeline import atomic
from pipeline import config as config_module
from pipeline.errors import ConfigError
from pipeline.evaluate import themes as ev
from pipeline.evaluate.devsets import load_theme_devset
from pipeline.records import Unit
from pipeline.run import runner
from pipeline.stages.themes import discovery as theme_discovery
from pipeline.stages.themes import features as theme_features
from pipeline.stages.themes import methods as theme_methods
from pipeline.stages.themes import stage as th
from tests.conftest import FIXTURES, ROOT, default_config_data, seed_feature_units, shared_path

TAXONOMY = ROOT / "configs" / "themes.yaml"
GOLD = FIXTURES / "seed_themes_gold.jsonl"
REQUIRED = {
    "security",
    "privacy",
    "multilingualism",
    "critical_resources",
    "development",
    "human_rights",
    "economy",
    "cooperation_process",
}


# ---------------------------------------------------------------- taxonomy


def test_shipped_taxonomy_has_the_required_themes():
    themes = th.load_taxonomy(TAXONOMY)
    assert {t.id for t in themes} >= REQUIRED
    assert all(t.label_ar and t.label_en and t.description and t.seeds for t in themes)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "themes.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_unknown_key_names_file_and_key_path(tmp_path):
    path = _write(
        tmp_path, "themes:\n  - id: a\n    label_ar: أ\n    label_en: A\n    description: d\n    seedz: [x]\n"
    )
    with pytest.raises(ConfigError) as err:
        th.load_taxonomy(path)
    lines = str(err.value).splitlines()
    assert all(line.startswith(f"{path}: themes[0].seed") for line in lines), lines
    assert any(
        line.endswith(
            "seedz: unknown key; did you mean 'seeds'? expected one of: " + ", ".join(sorted(th.Theme.model_fields))
        )
        for line in lines
    ), lines
    assert any(line.endswith("themes[0].seeds: required key missing") for line in lines), lines


def test_malformed_yaml_and_bad_values_are_one_line_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="malformed YAML"):
        th.load_taxonomy(_write(tmp_path, "themes: [\n  - id: a\n"))
    with pytest.raises(ConfigError, match=r"themes\[0\]\.seeds"):
        th.load_taxonomy(
            _write(tmp_path, "themes:\n  - {id: a, label_ar: أ, label_en: A, description: d, seeds: []}\n")
        )
    dup = "themes:\n" + "  - {id: a, label_ar: أ, label_en: A, description: d, seeds: [x]}\n" * 2
    with pytest.raises(ConfigError, match=r"themes\[1\]\.id: duplicate"):
        th.load_taxonomy(_write(tmp_path, dup))
    with pytest.raises(ConfigError, match="not found"):
        th.load_taxonomy(tmp_path / "missing.yaml")


# ---------------------------------------------------------------- scorers on small corpora


def _data(docs: list[list[str]], seeds: list[list[list[str]]]) -> theme_methods.ThemeInput:
    return theme_methods.ThemeInput(
        docs=docs,
        texts=[" ".join(d) for d in docs],
        seeds=seeds,
        seed_texts=[[" ".join(t) for t in s] for s in seeds],
        labels=[f"t{j}" for j in range(len(seeds))],
        fit=[True] * len(docs),
        seed=0,
    )


def test_longest_seed_match_wins_over_shorter_seed_inside_it():
    seeds = [[["تنم"]], [["لجن", "تسخير", "علم", "تنم"]]]
    data = _data([["لجن", "تسخير", "علم", "تنم", "اخر"], ["تنم", "بلد", "نام"]], seeds)
    longest = theme_methods.seed_counts(data)
    plain = theme_methods.plain_seed_counts(data)
    assert longest.tolist() == [[0, 1], [1, 0]]
    assert plain.tolist() == [[1, 1], [1, 0]]  # the baseline counts the body's name as development


def test_seed_terms_match_across_learned_phrases():
    # the phrase model joined a different bigram than the seed term's own
    data = _data([["حما_بيان", "شخص"]], [[["بيان_شخص"]]])
    assert theme_methods.seed_counts(data)[0, 0] == 1


def _toy_units() -> list[Unit]:
    topics = {
        "privacy": "حماية البيانات الشخصية والخصوصية للمستخدمين وسرية المعلومات",
        "security": "الأمن السيبراني ومكافحة الجريمة الإلكترونية والهجمات على الشبكات",
        "other": "كرة القدم والمباراة النهائية والفريق والملعب والجمهور",
    }
    units = []
    n = 0
    for rep in range(4):
        for text in topics.values():
            n += 1
            units.append(Unit("d", f"d/p{n}", "paragraph", n, None, f"{text} فقرة {rep}"))
    units.append(Unit("d", "d/h1", "heading", None, None, "الخصوصية"))
    for u in units:
        u.norm = u.text
    return units


def _toy_taxonomy(tmp_path: Path) -> Path:
    data = {
        "version": 1,
        "themes": [
            {"id": "security", "label_ar": "الأمن", "label_en": "Security", "description": "d",
             "seeds": ["الأمن السيبراني", "الجريمة الإلكترونية"]},
            {"id": "privacy", "label_ar": "الخصوصية", "label_en": "Privacy", "description": "d",
             "seeds": ["الخصوصية", "حماية البيانات"]},
        ],
    }  # fmt: skip
    path = tmp_path / "toy_themes.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _toy_corpus(tmp_path: Path, units: list[Unit]) -> runner.Corpus:
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    return runner.Corpus(units, [], [], lambda s: s.split(), lambda s: s, 0, out, None)


@pytest.mark.parametrize("name", ["seeded_lda", "guided_nmf", "keywords"])
def test_stage_sets_themes_scores_and_writes_files(tmp_path, name):
    stage = th.lookup_stage(name)(taxonomy=_toy_taxonomy(tmp_path), n_candidates=1)
    corpus = _toy_corpus(tmp_path, _toy_units())
    counts = stage.apply(corpus)
    by_id = {u.unit_id: u for u in corpus.units}
    for u in corpus.units:
        assert set(u.theme_scores) == {"security", "privacy"}
        assert all(0.0 <= s <= 1.0 and round(s, 4) == s for s in u.theme_scores.values())
        assert u.themes == sorted(u.themes, key=lambda t: -u.theme_scores[t])
    assert by_id["d/p1"].themes[0] == "privacy" and by_id["d/p2"].themes[0] == "security"
    assert by_id["d/p3"].themes == []
    assert by_id["d/h1"].themes == ["privacy"]  # scored, but not counted
    assert counts["themes"] == 2 and counts["paragraphs_with_theme"] == 8
    result = corpus.results["themes"]
    assert result.row("privacy").paragraphs == 4
    assert "d/h1" not in result.counted
    with open(corpus.output / "themes.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["theme"] for r in rows] == ["security", "privacy"]
    assert rows[1]["paragraphs"] == str(result.row("privacy").paragraphs)
    assert float(rows[1]["share"]) == pytest.approx(result.row("privacy").paragraphs / 12, abs=1e-4)
    assert rows[1]["top_terms"] and rows[1]["coherence_npmi"]
    candidates = atomic.read_jsonl(corpus.output / "candidate_themes.jsonl")
    assert len(candidates) == 1 and candidates[0]["size"] == 4  # the football paragraphs
    assert candidates[0]["typical"][0]["unit_id"] in {"d/p3", "d/p6", "d/p9", "d/p12"}
    assert "كرة" in candidates[0]["top_terms"]


def test_candidate_themes_leave_out_lines_too_short_to_be_a_topic(tmp_path):
    """A heading or a figure line that structure kept as a paragraph (two words, no theme) is not
    clustered into a candidate theme: discovery reads units with at least 3 features, as corpus fits do."""
    units = _toy_units()
    for n, line in enumerate(["كيف نحقق", "رؤيتنا الطموحة", "الملعب الكبير", "الجمهور"], start=100):
        units.append(Unit("d", f"d/p{n}", "paragraph", n, None, line))
        units[-1].norm = line
    corpus = _toy_corpus(tmp_path, units)
    th.lookup_stage("keywords")(taxonomy=_toy_taxonomy(tmp_path), n_candidates=1).apply(corpus)
    candidates = atomic.read_jsonl(corpus.output / "candidate_themes.jsonl")
    assert len(candidates) == 1 and candidates[0]["units"] == ["d/p3", "d/p6", "d/p9", "d/p12"]


def test_otsu_threshold_cuts_at_the_gap_and_needs_two_values():
    low, high = [0.0, 0.01, 0.02, 0.05], [0.45, 0.5, 0.6]
    cut = theme_methods.otsu_threshold(np.array(low + high))
    assert 0.05 < cut < 0.45
    assert theme_methods.otsu_threshold(np.array([0.3, 0.3])) is None
    assert theme_methods.otsu_threshold(np.array(high + low)) == cut  # order does not matter


def test_otsu_thresholds_let_the_profile_assign_and_are_written(tmp_path):
    # a theme with no seed match scores at most 0.5 under the blend; a per-theme
    # threshold below that lets the learned profile alone assign it
    stage = th.lookup_stage("guided_nmf")(taxonomy=_toy_taxonomy(tmp_path), threshold="otsu")
    corpus = _toy_corpus(tmp_path, _toy_units())
    stage.apply(corpus)
    cuts = corpus.results["themes"].thresholds
    assert set(cuts) == {"security", "privacy"} and all(0.0 < c < 1.0 for c in cuts.values())
    by_id = {u.unit_id: u for u in corpus.units}
    assert by_id["d/p1"].themes[0] == "privacy" and by_id["d/p2"].themes[0] == "security"
    assert by_id["d/p3"].themes == []
    for u in corpus.units:
        assert u.themes == [t for t in sorted(u.theme_scores, key=lambda t: (-u.theme_scores[t], t))
                            if u.theme_scores[t] >= cuts[t]]  # fmt: skip
    with open(corpus.output / "themes.csv", encoding="utf-8") as handle:
        rows = {r["theme"]: r for r in csv.DictReader(handle)}
    assert float(rows["privacy"]["threshold"]) == pytest.approx(cuts["privacy"], abs=1e-4)
    with pytest.raises(ConfigError, match="threshold"):
        th.lookup_stage("guided_nmf")(taxonomy=_toy_taxonomy(tmp_path), threshold="median")


def test_otsu_never_cuts_below_one_seed_match_so_an_absent_theme_stays_unassigned(tmp_path):
    # A theme absent from a corpus: no unit has a seed match, a few have faint profile
    # similarity (as on the news sample).  Otsu alone cuts between zero and faint and hands the
    # theme out; the floor (what one seed-term match alone scores) keeps it unassigned.  A
    # theme that is present keeps its own Otsu cut.
    rng = np.random.default_rng(0)
    scores = np.zeros((100, 2))
    scores[90:, 0] = 0.06 + 0.04 * rng.random(10)  # "privacy": absent, faint similarity only
    scores[:20, 1] = 0.75 + 0.1 * rng.random(20)  # "security": present
    scores[20:30, 1] = 0.1 * rng.random(10)
    themes = th.load_taxonomy(_toy_taxonomy(tmp_path))[::-1]  # privacy, security
    fit = [True] * 100
    stage = th.lookup_stage("seeded_lda")(taxonomy=_toy_taxonomy(tmp_path), threshold="otsu")
    plain = th.lookup_stage("seeded_lda")(taxonomy=_toy_taxonomy(tmp_path), threshold="otsu", otsu_floor=0.0)
    one_match = stage.one_match_score()
    assert one_match == pytest.approx((1 - np.exp(-1)) / 2, abs=1e-4)
    unfloored, floored = plain.thresholds(scores, themes, fit), stage.thresholds(scores, themes, fit)
    assert unfloored["privacy"] < 0.06  # Otsu alone would assign privacy to the ten faint units
    assert floored["privacy"] == pytest.approx(one_match)
    assert floored["security"] == unfloored["security"] > one_match
    assigned = [themes_ for themes_, _ in stage.assign(scores, themes, floored)]
    assert not any("privacy" in t for t in assigned) and sum("security" in t for t in assigned) == 20
    assert th.lookup_stage("keywords")(taxonomy=_toy_taxonomy(tmp_path)).one_match_score() == 0.5


def test_even_sample_keeps_the_same_evenly_spaced_items_on_every_pass():
    items = list(range(10))
    sample = th.EvenSample(items, 4)
    assert list(sample) == list(sample) == [0, 3, 6, 9]
    assert list(th.EvenSample(items, 50)) == items


def test_same_input_same_output_and_new_documents_keep_theme_ids(tmp_path):
    outputs = []
    for _ in range(2):
        corpus = _toy_corpus(tmp_path, _toy_units())
        th.lookup_stage("seeded_lda")(taxonomy=_toy_taxonomy(tmp_path)).apply(corpus)
        outputs.append(((corpus.output / "themes.csv").read_bytes(), [u.to_json() for u in corpus.units]))
    assert outputs[0] == outputs[1]
    grown = _toy_units() + [
        Unit("e", f"e/p{i}", "paragraph", i, None, "الأمن السيبراني وحماية الشبكات من الهجمات") for i in range(3)
    ]
    for u in grown:
        u.norm = u.text
    corpus = _toy_corpus(tmp_path, grown)
    th.lookup_stage("seeded_lda")(taxonomy=_toy_taxonomy(tmp_path)).apply(corpus)
    assert [r.id for r in corpus.results["themes"].rows] == ["security", "privacy"]
    assert all(u.themes[:1] == ["security"] for u in corpus.units if u.doc_id == "e")
    before = {u["unit_id"]: u["themes"][:1] for u in outputs[0][1]}
    after = {u.unit_id: u.themes[:1] for u in corpus.units if u.doc_id == "d"}
    assert before == after


# ---------------------------------------------------------------- evaluation


def test_evaluate_computes_precision_recall_f1_auroc():
    gold = {"a": ["x"], "b": ["x", "y"], "c": [], "d": ["y"]}
    predicted = {"a": ["x"], "b": ["y"], "c": ["x"], "d": []}
    scores = {"a": {"x": 0.9, "y": 0.1}, "b": {"x": 0.4, "y": 0.8}, "c": {"x": 0.6}, "d": {"y": 0.2}}
    result = ev.evaluate(predicted, scores, gold, ["x", "y"])
    x, y = result.rows
    assert (x.precision, x.recall, x.f1) == (0.5, 0.5, 0.5)
    assert x.auroc == pytest.approx(0.75)  # positives 0.9, 0.4 vs negatives 0.6, 0.0: 3 of 4 pairs ordered
    assert (y.precision, y.recall) == (1.0, 0.5) and y.auroc == pytest.approx(1.0)
    assert result.macro_f1 == pytest.approx((0.5 + 2 / 3) / 2)
    assert "macro-F1 0.583" in result.table()
    # a theme neither the gold nor the run gives to any unit is left out of the average, not a 0
    # (a new user's one-unit gold printed macro-F1 0.125 for one right prediction)
    result = ev.evaluate(predicted, scores, gold, ["x", "y", "z"])
    assert result.macro_f1 == pytest.approx((0.5 + 2 / 3) / 2)
    assert "macro-F1 0.583 (over 2 themes; 1 with no gold unit and no prediction left out)" in result.table()
    # a theme predicted without gold support is a real error and counts
    result = ev.evaluate({**predicted, "d": ["z"]}, scores, gold, ["x", "y", "z"])
    assert result.macro_f1 == pytest.approx((0.5 + 2 / 3 + 0) / 3)


def test_evaluate_run_reads_units_and_gold(tmp_path):
    units = [{"unit_id": "a", "themes": ["x"], "theme_scores": {"x": 0.9}}, {"unit_id": "b", "themes": []}]
    atomic.write_jsonl(tmp_path / "units.jsonl", units)
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"unit_id": "a", "themes": ["x"]}\n{"unit_id": "b", "themes": []}\n', encoding="utf-8")
    table = ev.evaluate_run(tmp_path, gold)
    assert "x" in table and "1.000" in table and "macro-F1 1.000" in table
    gold.write_text("not json\n", encoding="utf-8")
    with pytest.raises(ev.InputError, match=r"gold\.jsonl:1"):
        ev.evaluate_run(tmp_path, gold)
    # a theme id the run's taxonomy lacks is a typo in the gold, not a theme scored 0 (new-user trial)
    gold.write_text('{"unit_id": "a", "themes": ["x_typo"]}\n', encoding="utf-8")
    with pytest.raises(ev.InputError, match=r"theme ids not in this run's taxonomy: x_typo; the run's themes: x$"):
        ev.evaluate_run(tmp_path, gold)


def test_gold_labels_cover_the_seed_paragraphs_and_summaries():
    records = atomic.read_jsonl(GOLD)
    ids = [r["unit_id"] for r in records]
    assert len(ids) == len(set(ids)) == 41
    assert {i.rsplit("/", 1)[1][0] for i in ids} == {"p", "s"}
    known = {t.id for t in th.load_taxonomy(TAXONOMY)}
    assert all(set(r["themes"]) <= known and r["note"] for r in records)


# ---------------------------------------------------------------- seed corpus


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory):
    """One end-to-end run on the seed with the default config (its theme stage as configured)."""
    tmp = tmp_path_factory.mktemp("seed")
    data = default_config_data(tmp / "out")
    data["stages"].pop("stakeholders", None)
    data["stages"].pop("report", None)
    path = tmp / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    config = config_module.load(path)
    summary = runner.run(config, quiet=True)
    return config, summary


def test_seed_run_writes_themes_and_the_default_beats_both_baselines(seed_run):
    """On the blind reading of the bundled report, the default method (chosen on the blind dev split
    by bench/eval_themes.py: semantic, per-theme Otsu thresholds) reaches macro-F1 0.80 and beats
    plain keyword matching (with the same, richer seed phrases) and unseeded LDA on macro-F1 and
    macro-AUROC."""
    config, summary = seed_run
    out = config.output
    assert summary.counts["themes"]["themes"] == 8
    assert (out / "themes.csv").is_file() and (out / "candidate_themes.jsonl").is_file()
    units = {u["unit_id"]: u for u in atomic.read_jsonl(out / "units.jsonl")}
    assert all(len(u["theme_scores"]) == 8 for u in units.values())
    assert "critical_resources" in units["A-66-77_E-2011-103_ar/p23"]["themes"]
    gold = ev.read_gold(GOLD)
    table = ev.evaluate_run(out, GOLD)
    run = ev.evaluate(
        {u: r["themes"] for u, r in units.items()}, {u: r["theme_scores"] for u, r in units.items()}, gold
    )
    assert f"macro-F1 {run.macro_f1:.3f}" in table

    # the baselines on the same per-document output (re-running the theme stage only)
    base_units, results, processor = seed_feature_units(config)
    macro = {}
    for name in ("keywords", "lda"):
        units_copy = [replace(u, themes=[], theme_scores={}) for u in base_units]
        corpus = runner.Corpus(
            units_copy, [], results, processor.featurize, processor.normalize, config.seed, out.parent, config
        )
        th.lookup_stage(name)(taxonomy=TAXONOMY).apply(corpus)
        scored = ev.evaluate(
            {u.unit_id: u.themes for u in units_copy}, {u.unit_id: u.theme_scores for u in units_copy}, gold
        )
        macro[name] = (scored.macro_f1, scored.macro_auroc)
    assert run.macro_f1 >= 0.80, table
    for name in ("keywords", "lda"):
        assert run.macro_f1 > macro[name][0], (name, run.macro_f1, macro[name])
        assert run.macro_auroc > macro[name][1], (name, run.macro_auroc, macro[name])


# ---------------------------------------------------------------- discovery at scale


def test_discovery_clustering_beats_tfidf_kmeans_on_news():
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import normalized_mutual_info_score

    path = shared_path("news-ant", "news_ant_v2.1_multisource_sample.jsonl")
    by_cat: dict[str, list[str]] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            d = json.loads(line)
            rows = by_cat.setdefault(d["category"], [])
            if len(rows) < 40:
                rows.append(d["text"][:1500])
    analyzer = theme_features._FallbackAnalyzer()
    docs, cats = [], []
    for cat in sorted(by_cat):
        docs += [analyzer(t) for t in by_cat[cat]]
        cats += [cat] * len(by_cat[cat])
    assert len(set(cats)) == 6
    labels, _ = theme_discovery.cluster(docs, 6, seed=0)
    x = TfidfVectorizer(analyzer=lambda d: d).fit_transform(docs)
    baseline = KMeans(n_clusters=6, n_init=10, random_state=0).fit_predict(x)
    ours, theirs = normalized_mutual_info_score(cats, labels), normalized_mutual_info_score(cats, baseline)
    assert ours > theirs
    assert np.unique(labels).size == 6


# ---------------------------------------------------------------- seed phrases as written


def _matcher(*seeds: list[str]) -> theme_methods.PhraseMatcher:
    return theme_methods.PhraseMatcher([list(s) for s in seeds])


def test_seed_phrase_needs_every_word_and_no_fragment_fires():
    m = _matcher(["دور الأمم المتحدة"], ["جدول أعمال تونس"], ["آليات التعاون الدولي"])
    assert m.counts(["أشاد بدور الأمم المتحدة في العملية"]).tolist() == [[1, 0, 0]]
    # the stop-word-filtered fragment of a seed phrase is not the seed phrase
    assert m.counts(["اجتمع ممثلو الأمم المتحدة"]).tolist() == [[0, 0, 0]]
    assert m.counts(["نتائج أعمال تونس"]).tolist() == [[0, 0, 0]]
    assert m.counts(["تنفيذ جدول أعمال تونس"]).tolist() == [[0, 1, 0]]
    assert m.counts(["آليات التمويل وخطط العمل"]).tolist() == [[0, 0, 0]]


def test_seed_words_match_with_attached_prefixes_only():
    m = _matcher(["التنمية"], ["الأمن السيبراني"])
    assert m.counts(["وللتنمية المستدامة", "بالتنمية", "فالتنمية"]).tolist() == [[1, 0]] * 3
    assert m.counts(["تعزيز للأمن السيبراني"]).tolist() == [[0, 1]]
    # no suffix is removed and no other word counts: «التنموية» and «الأمن» alone are not these seeds
    assert m.counts(["البرامج التنموية", "الأمن الغذائي"]).tolist() == [[0, 0], [0, 0]]


def test_longest_seed_phrase_wins_and_normalisation_applies_to_both_sides():
    cstd = "اللجنة المعنية بتسخير العلم والتكنولوجيا لأغراض التنمية"
    fold = {"أ": "ا", "إ": "ا"}
    m = theme_methods.PhraseMatcher([["التنمية"], [cstd]], lambda t: "".join(fold.get(c, c) for c in t))
    text = "".join(fold.get(c, c) for c in f"قدمت {cstd} تقريرا عن التنمية")
    assert m.counts([text]).tolist() == [[1, 1]]


def test_sentences_split_at_arabic_and_latin_stops():
    text = "الجملة الأولى عن الأمن السيبراني. والثانية عن التجارة الإلكترونية؟ قصيرة. الأخيرة عن اللغة العربية"
    assert theme_methods.sentences(text) == [
        "الجملة الأولى عن الأمن السيبراني.",
        "والثانية عن التجارة الإلكترونية؟",
        "الأخيرة عن اللغة العربية",
    ]
    assert theme_methods.sentences("قصير") == ["قصير"]


# ---------------------------------------------------------------- taxonomy with examples


def test_shipped_taxonomy_has_descriptions_examples_and_no_theme_examples():
    themes = th.load_taxonomy(TAXONOMY)
    for t in themes:
        arabic = [e for e in t.examples if any("\u0621" <= c <= "\u064a" for c in e)]
        assert t.description_ar and len(arabic) >= 6 and len(t.examples) - len(arabic) >= 2, t.id
    assert len(th.load_none_examples(TAXONOMY)) >= 10


def test_examples_must_be_lists_of_strings(tmp_path):
    base = "themes:\n  - {id: a, label_ar: أ, label_en: A, description: d, seeds: [x]"
    with pytest.raises(ConfigError, match=r"themes\[0\]\.examples\[1\]"):
        th.load_taxonomy(_write(tmp_path, base + ", examples: [جملة, 3]}\n"))
    with pytest.raises(ConfigError, match="none_examples: expected a list"):
        th.load_taxonomy(_write(tmp_path, base + "}\nnone_examples: جملة\n"))
    with pytest.raises(ConfigError, match="unknown key"):
        th.load_taxonomy(_write(tmp_path, base + "}\nexamples: [x]\n"))


# ---------------------------------------------------------------- display words, sureness, learned terms


def test_display_words_are_the_most_frequent_surface_forms():
    stems = {"التنمية": "تنم", "والتنمية": "تنم", "للتنمية": "تنم", "المستدامة": "مستدام", "حقوق": "حق", "وحقوق": "حق"}
    units = [
        Unit("d", "d/p1", "paragraph", 1, None, "التنمية المستدامة والتنمية"),
        Unit("d", "d/p2", "paragraph", 2, None, "للتنمية المستدامة وحقوق"),
    ]
    shown = th.display_words(units, lambda w: [stems[w]] if w in stems else [], {"تنم", "تنم_مستدام", "حق", "غائب"})
    # «والتنمية» counts as «التنمية» (same stem without و); the phrase keeps its most frequent pair
    assert shown == {"تنم": "التنمية", "تنم_مستدام": "التنمية المستدامة", "حق": "حقوق"}


def test_score_summary_says_how_sure_each_theme_is():
    scores = np.array([[0.9, 0.1], [0.8, 0.33], [0.1, 0.37], [0.2, 0.05]])
    a, b = th.score_summary(scores, [0.5, 0.35])
    assert a == {"score_median_assigned": 0.85, "score_p90_unassigned": pytest.approx(0.19), "near_threshold": 0}
    assert b["score_median_assigned"] == 0.37 and b["near_threshold"] == 2


def test_learned_terms_come_from_the_confidently_scored_units():
    docs = [["حرب", "قصف", "جيش"], ["حرب", "قصف"], ["حرب", "جيش", "سوق"], ["سوق", "سعر"], ["سوق", "نفط"], ["سعر"]]
    data = _data(docs, [[["امن"]], [["اقتصاد"]]])
    confident = np.array([[1, 0], [1, 0], [1, 0], [0, 1], [0, 0], [0, 0]], dtype=bool)
    terms = theme_methods.learned_terms(data, confident, 5, min_df=2)
    # strongest association first, ties alphabetically; «سوق» is commoner outside: not learned
    assert terms[0] == ["حرب", "جيش", "قصف"]
    assert terms[1] == []  # one confident unit teaches nothing


# ---------------------------------------------------------------- the semantic method


def _semantic_taxonomy(tmp_path: Path) -> Path:
    data = {
        "version": 1,
        "themes": [
            {"id": "security", "label_ar": "الأمن", "label_en": "Security",
             "description": "Cybersecurity, cybercrime, war and terrorism.",
             "description_ar": "الأمن السيبراني والجرائم الإلكترونية والحروب والإرهاب.",
             "seeds": ["الأمن السيبراني"],
             "examples": ["تعرضت الوزارة لهجوم إلكتروني عطل أنظمتها.", "قصفت الطائرات مواقع المسلحين."]},
            {"id": "economy", "label_ar": "الاقتصاد", "label_en": "Economy",
             "description": "Growth, trade, investment, prices and jobs.",
             "description_ar": "النمو الاقتصادي والتجارة والاستثمار والأسعار والوظائف.",
             "seeds": ["الاستثمار الأجنبي المباشر"],
             "examples": ["ارتفعت أسعار النفط وتراجعت البورصة.", "جذب الاستثمارات وخلق فرص العمل."]},
        ],
        "none_examples": ["فاز الفريق بهدفين في مباراة الدوري.", "سجل اللاعب هدفا في الدقيقة الأخيرة."],
    }  # fmt: skip
    path = tmp_path / "semantic_themes.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _semantic_units() -> list[Unit]:
    texts = [
        "شن قراصنة هجمات إلكترونية على البنوك وسرقوا بيانات الحسابات.",
        "قتل عشرة أشخاص في انفجار سيارة مفخخة تبنته جماعة إرهابية.",
        "ارتفع الناتج المحلي الإجمالي وزادت الصادرات غير النفطية.",
        "انخفضت أسعار الذهب مع صعود الدولار في الأسواق العالمية.",
        "تغلب النادي على ضيفه بثلاثة أهداف نظيفة في الجولة الخامسة.",
        "أحرز المهاجم هدفين وقاد فريقه إلى نهائي الكأس.",
    ]
    units = [Unit("d", f"d/p{i}", "paragraph", i, None, t) for i, t in enumerate(texts, 1)]
    for u in units:
        u.norm = u.text
    return units


def test_semantic_reads_meaning_without_any_seed_match_and_gives_sport_no_theme(tmp_path):
    outputs = []
    for _ in range(2):
        corpus = _toy_corpus(tmp_path, _semantic_units())
        counts = th.lookup_stage("semantic")(taxonomy=_semantic_taxonomy(tmp_path), n_candidates=0).apply(corpus)
        outputs.append(((corpus.output / "themes.csv").read_bytes(), [u.to_json() for u in corpus.units]))
    assert outputs[0] == outputs[1]  # deterministic
    themes = {u["unit_id"]: u["themes"] for u in outputs[0][1]}
    # no paragraph contains a seed phrase: the themes come from the descriptions and examples
    assert themes == {"d/p1": ["security"], "d/p2": ["security"], "d/p3": ["economy"], "d/p4": ["economy"],
                      "d/p5": [], "d/p6": []}  # fmt: skip
    assert counts["paragraphs_with_theme"] == 4 and counts["paragraphs_without_theme"] == 2
    with open(corpus.output / "themes.csv", encoding="utf-8") as handle:
        rows = {r["theme"]: r for r in csv.DictReader(handle)}
    assert float(rows["security"]["threshold"]) >= 0.35 and rows["security"]["near_threshold"] != ""
    assert float(rows["security"]["score_median_assigned"]) >= float(rows["security"]["threshold"])


def test_sport_news_gets_no_theme():
    """The issue's check on off-taxonomy news: of 150 paragraphs of the ANT sport category (the first
    paragraph of 80+ characters of the first 150 articles by id, none of them in the theme dev set),
    the default method gives at most 5% any theme."""
    path = shared_path("news-ant", "news_ant_v2.1_multisource_sample.jsonl")
    refs = {json.loads(line).get("article") for name in ("dev", "heldout")
            for line in (FIXTURES / "dev" / f"themes_{name}_refs.jsonl").open(encoding="utf-8")}  # fmt: skip
    with open(path, encoding="utf-8") as handle:
        articles = [json.loads(line) for line in handle]
    sport = sorted((a for a in articles if a["category"] == "sport" and a["id"] not in refs), key=lambda a: a["id"])
    rows = []
    for article in sport:
        first = next((p.strip() for p in article["text"].split("\n") if len(p.strip()) >= 80), None)
        if first:
            rows.append({"id": article["id"], "doc": "news:sport", "doc_type": "news", "text": first[:1500]})
        if len(rows) == 150:
            break
    config = config_module.load(ROOT / "configs" / "default.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        corpus = ev.devset_corpus(rows, config, Path(tmp))
        predicted, _ = ev.run_method(corpus, config.stages["themes"].impl, TAXONOMY)
    with_theme = [u for u, t in predicted.items() if t]
    assert len(rows) == 150 and len(with_theme) <= 0.05 * len(rows), with_theme


def test_default_beats_keywords_on_the_blind_dev_split():
    """Tuning split only (the held-out split is read once, by hand, with bench/eval_themes.py --split heldout):
    the default method is clearly above keyword matching with the seed lists the issue measured
    (bench/themes_v1.yaml) and above keyword matching with the same, richer seed phrases."""
    try:
        rows = load_theme_devset("dev")
    except FileNotFoundError as exc:
        pytest.skip(f"{exc} (../shared is not beside the project)")
    config = config_module.load(ROOT / "configs" / "default.yaml")
    ids = [t.id for t in th.load_taxonomy(TAXONOMY)]
    with tempfile.TemporaryDirectory() as tmp:
        corpus = ev.devset_corpus(rows, config, Path(tmp))
        predictions = {name: ev.run_method(corpus, method, taxonomy or TAXONOMY, **options)[0]
                       for name, (method, options, taxonomy) in ev.METHODS.items()
                       if name in ("keywords@v1", "keywords", "semantic")}  # fmt: skip
    macro = ev.compare(rows, predictions, ids, "dev", n_boot=10).macro["all"]
    assert macro["semantic"] >= 0.6 and macro["semantic"] >= macro["keywords@v1"] + 0.15, macro
    assert macro["semantic"] > macro["keywords"] > macro["most_frequent"], macro


# ---------------------------------------------------------------- evaluation helpers


def test_macro_f1_is_over_themes_present_and_bootstrap_brackets_it():
    truth = ev.indicator([["a"], ["a", "b"], [], ["b"]], ["a", "b", "c"])
    pred = ev.indicator([["a"], ["b"], ["c"], []], ["a", "b", "c"])
    # theme c has no gold unit: it does not count, even though it was predicted once
    assert ev.macro_f1(truth, pred) == pytest.approx((2 / 3 + 2 / 3) / 2)
    assert ev.most_frequent(truth)[:, 0].all() and not ev.most_frequent(truth)[:, 1:].any()  # a and b tie: first
    boots = ev.bootstrap_macro_f1(truth, {"m": pred}, n_boot=200, seed=1)
    lo, hi = ev.interval(boots["m"])
    assert lo <= ev.macro_f1(truth, pred) <= hi and lo < hi
    rows = [{"id": str(i), "doc_type": "news", "themes": t} for i, t in enumerate([["a"], ["a", "b"], [], ["b"]])]
    table = ev.compare(rows, {"keywords": {"0": ["a"], "1": ["b"], "2": ["c"]}}, ["a", "b", "c"], "x", n_boot=50)
    assert table.absent == ["c"] and "[doc_type=news]" in table.text()
    assert table.macro["all"]["keywords"] == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    ("split", "rows"), [("dev", 167), ("heldout", 81), ("heldout2", 100), ("heldout3", 120), ("heldout4", 150)]
)
def test_every_labelled_theme_set_still_holds_its_paragraphs(split, rows):
    """Each labelled set references spans of ../shared; a changed source would silently change the set."""
    found = load_theme_devset(split)  # raises ValueError when a span no longer holds its paragraph
    assert len(found) == rows and all(r["text"].strip() for r in found)
    assert len({r["id"] for r in found}) == rows
