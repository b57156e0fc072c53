"""Stance scores (embeddings + cues), partial pooling of positions, evidence in the outputs, and the stance bench."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
import yaml

from pipeline import atomic
from pipeline.records import Unit
from pipeline.stages.stakeholders.pooling import pooled_positions
from pipeline.stages.stakeholders.stage import StakeholderPositions
from pipeline.stages.stakeholders.stance import NULL_REASONS, StanceParams, combine, cue_score, null_reason
from tests.stages.test_stakeholders import ACTORS, AXIS, POSITIONS, make_corpus, statements_of
from tests.stages.test_stakeholders import seed_run as seed_run  # the module-scoped fixture

IG = "intergovernmental"
MS = "multistakeholder"


def test_cue_score_is_none_without_hits_and_combination_rules():
    assert cue_score({IG: [], MS: []}, IG, MS) is None
    assert cue_score({IG: ["a"], MS: ["b", "c", "d"]}, IG, MS) == 0.5
    params = StanceParams("combined", cue_weight=0.7, scale=0.5, min_margin=0.05)
    assert combine(None, 0.01, params) == (None, None)  # a small margin is no evidence: no score, not 0.0
    assert combine(None, None, params) == (None, None)
    score, emb = combine(None, 0.25, params)
    assert score == emb == pytest.approx(0.5)
    score, emb = combine(-1.0, 0.25, params)
    assert score == pytest.approx(0.7 * -1 + 0.3 * 0.5)
    assert combine(1.0, 0.9, params)[1] == 1.0  # clipped
    assert combine(-1.0, 0.25, StanceParams("cues"))[0] == -1.0
    assert combine(-1.0, 0.25, StanceParams("embeddings", scale=0.5))[0] == pytest.approx(0.5)


def test_cue_evidence_is_proportional_and_a_small_margin_pulls_it_toward_zero():
    # one term is not a full ±1: a prior of k neutral matches shrinks the share
    assert cue_score({IG: ["a"], MS: []}, IG, MS, prior=0.5) == pytest.approx(-1 / 1.5)
    assert cue_score({IG: [], MS: ["a", "b", "c"]}, IG, MS, prior=0.5) == pytest.approx(3 / 3.5)
    assert cue_score({IG: [], MS: ["a"]}, IG, MS, prior=1.0) < cue_score({IG: [], MS: ["a", "b"]}, IG, MS, prior=1.0)
    params = StanceParams("combined", cue_weight=0.8, scale=0.5, min_margin=0.05, min_relevance=0.2)
    # a relevant statement with a margin below min_margin: its embedding score still weighs, in proportion
    score, emb = combine(1.0, 0.01, params, relevance=0.3)
    assert emb == pytest.approx(0.02) and score == pytest.approx(0.8 + 0.2 * 0.02)
    score, _ = combine(1.0, -0.2, params, relevance=0.3)
    assert score == pytest.approx(0.8 - 0.2 * 0.4)


def test_below_the_relevance_floor_a_statement_without_cues_has_no_score_and_a_reason():
    params = StanceParams("combined", cue_weight=0.8, scale=0.5, min_margin=0.05, min_relevance=0.2)
    assert combine(None, 0.3, params, relevance=0.19) == (None, None)  # off the axis's subject
    assert null_reason(None, 0.3, params, 0.19) == "off_axis"
    assert combine(None, 0.3, params, relevance=0.21)[0] == pytest.approx(0.6)
    assert combine(None, 0.01, params, relevance=0.3) == (None, None)
    assert null_reason(None, 0.01, params, 0.3) == "weak_margin"
    assert null_reason(None, None, StanceParams("cues"), None) == "no_evidence"
    # cue terms still count off the subject; the margin does not
    assert combine(-0.5, 0.3, params, relevance=0.1) == (-0.5, None)
    assert set(NULL_REASONS) == {"no_evidence", "off_axis", "weak_margin", "axis_unused", "document_off_axis"}


def test_null_scores_are_counted_by_reason(tmp_path):
    texts = [
        "وأكدت الحكومات أهمية منتدى إدارة الإنترنت.",  # a cue term: scored
        "وأكد القطاع الخاص أن أسعار القهوة ارتفعت في الأسواق هذا الصيف.",  # off the subject
    ]
    corpus = make_corpus(texts, tmp_path)
    counts = StakeholderPositions(actors=ACTORS, positions=POSITIONS).apply(corpus)
    found = atomic.read_jsonl(tmp_path / "statements.jsonl")
    assert found[0]["scores"][AXIS] is not None and found[0]["evidence"][AXIS]["reason"] is None
    assert found[1]["scores"][AXIS] is None and found[1]["evidence"][AXIS]["reason"] == "off_axis"
    assert found[1]["evidence"][AXIS]["relevance"] < 0.2
    assert counts["scores_null_off_axis"] == 1 and counts["statements_scored"] == 1


def test_statements_carry_scores_with_evidence_and_embeddings_read_meaning(tmp_path):
    texts = [
        # no cue term of the axis: only the sentence embedding can place these
        "وأكدت الحكومات ضرورة أن تتفاوض الدول وحدها داخل هيئة حكومية دولية تابعة للأمم المتحدة على قواعد الإنترنت.",
        "وأكد القطاع الخاص أن المؤسسات الموجودة تتعاون فعلا ولا داعي لإنشاء جهاز مركزي جديد.",
        "وأشار بعض المساهمين إلى أن الاجتماع عقد في جنيف.",
        # a cue term of the axis: the debate is present in this corpus, so embedding leanings count
        "وأشار المراقبون إلى منتدى إدارة الإنترنت.",
    ]
    corpus = make_corpus(texts, tmp_path)
    StakeholderPositions(actors=ACTORS, positions=POSITIONS).apply(corpus)
    found = atomic.read_jsonl(tmp_path / "statements.jsonl")
    assert [s["speaker"] for s in found] == ["governments", "private_sector", "unspecified", "unspecified"]
    gov, private, _, _ = found
    assert gov["evidence"][AXIS]["cue_score"] is None and private["evidence"][AXIS]["cue_score"] is None
    assert gov["scores"][AXIS] < 0 < private["scores"][AXIS]
    for s in found:
        ev = s["evidence"][AXIS]
        if s["scores"][AXIS] is None:
            assert ev["cue_score"] is None and ev["embedding_score"] is None
        else:  # every score has its evidence: the nearest pole examples and the matched cues
            assert set(ev["nearest"]) == {IG, MS} and all(n["example"] for n in ev["nearest"].values())
            assert set(ev["cues"]) == {IG, MS}
        assert s["scores"][AXIS] != 0.0 or ev["cues"][IG] or ev["cues"][MS]


def test_without_any_cue_term_in_the_corpus_embeddings_alone_give_no_score(tmp_path):
    texts = [
        "وأكدت الحكومات ضرورة أن تتفاوض الدول وحدها داخل هيئة حكومية دولية تابعة للأمم المتحدة على قواعد الإنترنت.",
        "وأكد القطاع الخاص أن المؤسسات الموجودة تتعاون فعلا ولا داعي لإنشاء جهاز مركزي جديد.",
    ]
    corpus = make_corpus(texts, tmp_path)
    counts = StakeholderPositions(actors=ACTORS, positions=POSITIONS).apply(corpus)
    assert counts["axes_without_evidence"] == 1 and counts["statements_scored"] == 0
    found = atomic.read_jsonl(tmp_path / "statements.jsonl")
    assert all(s["scores"][AXIS] is None for s in found)
    assert all(s["evidence"][AXIS]["margin"] is not None for s in found)  # measured, but not trusted


def test_no_statement_scores_zero_without_evidence_on_the_seed(seed_run):
    for s in atomic.read_jsonl(seed_run / "statements.jsonl"):
        ev = s["evidence"][AXIS]
        score = s["scores"][AXIS]
        if score is None:
            assert ev["cue_score"] is None and ev["embedding_score"] is None
        else:
            assert ev["cue_score"] is not None or ev["embedding_score"] is not None
            assert ev["nearest"]


def test_seed_four_groups_have_positions_with_intervals(seed_run):
    rows = {r["group"]: r for r in csv.DictReader(io.StringIO((seed_run / "positions.csv").read_text("utf-8")))}
    # civil society's three statements lean inside the neutral band on the embedding alone (no cue term):
    # no evidence, so no position, and the row says why
    civil = rows["civil_society"]
    assert civil["score"] == "" and int(civil["n_scored"]) == 0 and "neutral band" in civil["note"]
    for group in ("governments", "private_sector", "intergovernmental"):
        row = rows[group]
        assert row["score"] != "" and row["ci_low"] != "" and row["ci_high"] != "", row
        assert float(row["ci_low"]) <= float(row["score"]) <= float(row["ci_high"])
        assert int(row["n_scored"]) >= 1
        assert float(row["pool_weight"]) > 0  # partial pooling, not every group at the corpus mean
    named = [float(rows[g]["score"]) for g in ("governments", "private_sector", "intergovernmental")]
    assert len(set(named)) > 1


def test_partial_pooling_shrinks_small_groups_and_widens_their_intervals():
    rng = np.random.default_rng(0)
    scores = {
        "big_neg": list(np.clip(rng.normal(-0.6, 0.3, 30), -1, 1)),
        "big_pos": list(np.clip(rng.normal(0.5, 0.3, 30), -1, 1)),
        "two": [1.0, 1.0],
        "none": [],
    }
    found = pooled_positions(scores, 1000, 0.95, [1])
    assert "none" not in found
    two, big = found["two"], found["big_pos"]
    assert two.mean == 1.0 and two.estimate < 1.0  # drawn toward the corpus mean
    assert two.weight < big.weight
    assert (two.high - two.low) > (big.high - big.low)
    assert big.low < big.estimate < big.high
    assert abs(big.estimate - big.mean) < 0.1  # a large group keeps (nearly) its own mean
    again = pooled_positions(scores, 1000, 0.95, [1])
    assert again == found  # deterministic for a seed


def test_a_group_of_one_statement_gets_a_wide_interval_even_when_every_score_agrees():
    # a new user's corpus: cue scores are exactly ±2/3, one statement per named group, so the
    # within-group variance is 0; a plug-in floored at 0.01 gave each single statement a 95%
    # interval about 0.4 wide ("0.78 [0.58, 0.97] from 1 statement")
    scores = {"governments": [2 / 3], "civil_society": [2 / 3], "private_sector": [-2 / 3], "unspecified": [2 / 3] * 3}
    found = pooled_positions(scores, 2000, 0.95, [5])
    for group in ("governments", "civil_society", "private_sector"):
        assert found[group].high - found[group].low > 1.0, (group, found[group])
    assert found["unspecified"].high - found["unspecified"].low < found["governments"].high - found["governments"].low
    # many agreeing statements still narrow it: the prior weighs as two statements
    many = pooled_positions({"a": [2 / 3] * 40, "b": [-2 / 3] * 40}, 2000, 0.95, [5])
    assert many["a"].high - many["a"].low < 0.3


def test_pooling_does_not_collapse_when_the_moment_estimate_of_tau_is_zero():
    # groups whose means differ less than their statements do: the ANOVA / method-of-moments
    # between-group variance is negative, floored at 0, and every position would be the corpus mean
    scores = {
        "a": [-0.9, 0.3, -0.2, 0.1],
        "b": [0.6, -0.5, 0.4],
        "c": [0.9, -0.1],
        "d": [-0.4, 0.8, -0.6, 0.2, 0.5],
    }
    data = [np.asarray(v) for v in scores.values()]
    sizes = np.array([len(d) for d in data])
    grand = np.concatenate(data).mean()
    sigma2 = sum(((d - d.mean()) ** 2).sum() for d in data) / (sizes.sum() - len(data))
    between = (sizes * (np.array([d.mean() for d in data]) - grand) ** 2).sum()
    assert between - (len(data) - 1) * sigma2 < 0  # the moment estimate of tau^2 is 0 here
    found = pooled_positions(scores, 1000, 0.95, [3])
    estimates = {g: p.estimate for g, p in found.items()}
    means = {g: p.mean for g, p in found.items()}
    assert len(set(estimates.values())) == len(scores)  # not one shared corpus mean
    assert sorted(estimates, key=estimates.get) == sorted(means, key=means.get)  # order kept
    for p in found.values():
        assert 0.05 < p.weight < 0.95  # partial pooling, neither none nor complete
        assert min(grand, p.mean) < p.estimate < max(grand, p.mean)  # between own and corpus mean
        assert p.low < p.estimate < p.high
    # a wider prior on tau pools less
    wide = pooled_positions(scores, 1000, 0.95, [3], tau_scale=2.0)
    assert all(wide[g].weight > found[g].weight for g in scores)


def test_unused_axis_warns_and_positions_say_so(tmp_path):
    axes = yaml.safe_load(POSITIONS.read_text("utf-8"))
    axes["axes"]["privacy"] = {
        "label": "privacy",
        "negative": {"id": "open_data", "terms": ["البيانات المفتوحة"], "examples": ["Data should flow freely."]},
        "positive": {"id": "privacy", "terms": ["حماية الخصوصية"], "examples": ["Personal data must be protected."]},
    }
    path = tmp_path / "positions.yaml"
    path.write_text(yaml.safe_dump(axes, allow_unicode=True), encoding="utf-8")
    corpus = make_corpus(["وأشار بعض المساهمين إلى أن الاجتماع عقد في جنيف."], tmp_path)
    counts = StakeholderPositions(actors=ACTORS, positions=path, stance_min_margin=0.5).apply(corpus)
    assert counts["axes_without_evidence"] == 2
    err = "\n".join(corpus.warnings)  # the runner puts these in run.json and the run summary
    assert "axis 'privacy'" in err and f"axis '{AXIS}'" in err and "no evidence" in err
    rows = list(csv.DictReader(io.StringIO((tmp_path / "positions.csv").read_text("utf-8"))))
    said = [r for r in rows if r["group"] == "(all)"]
    assert {r["axis"] for r in said} == {"privacy", AXIS}
    assert all("no evidence" in r["note"] and r["score"] == "" for r in said)


def test_a_cue_term_in_one_document_does_not_switch_the_axis_on_in_another(tmp_path):
    """Leanings in the embedding space count only in a document where the axis's cue terms occur: a
    new user's news item was scored on the Internet-governance axis because one other file of the
    corpus said «السيادة» once; on its own it had no score.  A statement's score must not depend on
    which other documents share the corpus."""
    news = "وقال الوزير إن الحكومة ستنشر ورقة بيضاء بشأن تنظيم شبكات التواصل الاجتماعي وحماية الأطفال."
    report = "وأكدت الحكومات أهمية منتدى إدارة الإنترنت."  # a cue term of the shipped axis
    corpus = make_corpus([news], tmp_path)
    corpus.units = [
        Unit("news", "news/p1", "paragraph", 1, None, news),
        Unit("report", "report/p1", "paragraph", 1, None, report),
    ]
    found = {s.statement.doc_id: s for s in statements_of(corpus)}
    assert found["report"].statement.scores[AXIS] is not None
    assert found["news"].statement.scores[AXIS] is None and found["news"].stance[AXIS].reason == "document_off_axis"
    alone = make_corpus([news], tmp_path)
    (only,) = statements_of(alone)
    assert only.statement.scores[AXIS] is None and only.stance[AXIS].reason == "axis_unused"


def test_unused_axis_warning_is_in_run_json_and_the_run_summary(tmp_path):
    """A run on a small corpus of another debate (invented news sentences): the shipped axis finds no
    evidence, and says so where a user looks -- run.json's warnings, the summary printed, the report."""
    from pipeline.config import load
    from pipeline.run.runner import run
    from tests.conftest import default_config_data

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "news1.txt").write_text(
        "وقالت الحكومة إن أسعار القمح سترتفع خلال الموسم المقبل بسبب الجفاف.\n\n"
        "وأكدت منظمات المجتمع المدني أن دعم صغار المزارعين ضروري لحماية الأمن الغذائي.\n",
        encoding="utf-8",
    )
    (corpus / "news2.txt").write_text(
        "وصرح ممثلو القطاع الخاص بأن الاستثمار في الري الحديث سيزداد هذا العام.\n", encoding="utf-8"
    )
    data = default_config_data(tmp_path / "out")
    data["corpus"] = str(corpus)
    data.pop("executor", None)
    data["stages"]["themes"]["options"]["n_candidates"] = 0
    data["stages"]["report"]["options"]["plots"] = False
    config_path = tmp_path / "news.yaml"
    config_path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    summary = run(load(config_path), quiet=True)
    info = json.loads((tmp_path / "out" / "run.json").read_text("utf-8"))
    mine = [w for w in info["warnings"] if w.startswith("stakeholders: ")]
    assert len(mine) == 1 and f"axis '{AXIS}'" in mine[0] and "no evidence" in mine[0]
    assert any(line == f"warning: {mine[0]}" for line in summary.lines())
    said = next(line for line in summary.lines() if line.startswith("stakeholders: "))
    assert f"statements {summary.counts['stakeholders']['statements']}" in said and "statements_scored" in said
    assert info["stages"]["stakeholders"]["counts"]["axes_without_evidence"] == 1
    assert info["stages"]["stakeholders"]["counts"]["attributed"] == 3  # the news verbs found their groups
    assert "no evidence" in (tmp_path / "out" / "report.html").read_text("utf-8")


def test_stance_evaluation_metrics_on_a_toy_example():
    from pipeline.evaluate.stakeholders import label_of, stance_scores

    gold = ["intergovernmental", "multistakeholder", "neutral", "neutral", "multistakeholder"]
    scores = [-0.9, 0.8, 0.1, None, None]
    assert [label_of(s, 0.5) for s in scores] == [IG, MS, "neutral", "neutral", "neutral"]
    r = stance_scores(gold, scores, 0.5, samples=200)
    assert r["sign_agreement"][0] == 1.0  # both scored polar views have the right sign
    assert r["sign_agreement_strict"][0] == pytest.approx(2 / 3, abs=1e-4)  # the third polar view has no score
    assert r["n_polar"] == 3 and r["n_polar_scored"] == 2
    low, high = r["macro_f1"][1:]
    assert 0 <= low <= r["macro_f1"][0] <= high <= 1


def test_stance_on_dev_labels_beats_chance():
    """The shipped parameters on the dev split (what they were tuned on): a regression guard, not a result."""
    from pipeline.evaluate.stakeholders import load_stance, stance_scores, view_scores

    stage = StakeholderPositions(actors=ACTORS, positions=POSITIONS)
    views = load_stance("dev")
    assert len(views) == 49
    scores = [a.score for a in view_scores(views, stage, stage.stance_params)]
    r = stance_scores([v["stance"] for v in views], scores, stage.stance_neutral_band, samples=100)
    assert r["sign_agreement_strict"][0] >= 0.75 and r["macro_f1"][0] >= 0.6


def test_an_unscored_statement_has_no_label_and_a_weak_score_is_neutral():
    from pipeline.stages.stakeholders.stance import score_texts

    cues = [{AXIS: {IG: [], MS: []}}, {AXIS: {IG: ["a"], MS: ["b"]}}, {AXIS: {IG: [], MS: ["b"]}}]
    out = score_texts(["x", "y", "z"], cues, [(AXIS, IG, MS)], None, StanceParams("cues"))
    assert [s[AXIS].score for s in out] == [None, 0.0, 0.6667]  # one term: 1 / (1 + cue_prior 0.5)
    assert [s[AXIS].label for s in out] == [None, "neutral", MS]  # no evidence is not "neutral"
    assert [s[AXIS].reason for s in out] == ["no_evidence", None, None]


def test_a_neutral_lean_on_the_embedding_alone_does_not_enter_a_position():
    from pipeline.stages.stakeholders.stance import AxisStance, moves_position

    def stance(score, label, cue):
        return AxisStance(score, label, cue, score, 0.1, 0.3, {IG: [], MS: []}, {})

    assert not moves_position(stance(-0.2, "neutral", None))  # embedding alone, inside the band
    assert moves_position(stance(-0.6, IG, None))  # embedding alone, a pole label
    assert moves_position(stance(0.2, "neutral", 0.3))  # cue terms: evidence even when weak
    assert not moves_position(stance(None, None, None)) and not moves_position(None)


def _readme_axis(tmp_path):
    """The example axis of the README's "Defining a position axis" section, as a positions file."""
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("### Defining a position axis", 1)[1]
    block = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "axis.yaml"
    path.write_text(block, encoding="utf-8")
    return path, next(iter(yaml.safe_load(block)["axes"]))


def test_readme_axis_an_off_topic_statement_does_not_move_the_groups_position(tmp_path):
    positions, axis = _readme_axis(tmp_path)
    texts = [
        # the user's example: no cue term, about digital skills, not data governance
        "وأكد وزير الاتصالات أن الحكومة ستستثمر في تعليم المهارات الرقمية للشباب في المدارس والجامعات.",
        # near the protection pole's example, with its cue term
        "وقالت الوزارة إنه يجب حماية البيانات الشخصية وإخضاعها للقوانين الوطنية قبل نقلها إلى الخارج.",
    ]
    corpus = make_corpus(texts, tmp_path)
    StakeholderPositions(actors=ACTORS, positions=positions).apply(corpus)
    skills, protection = atomic.read_jsonl(tmp_path / "statements.jsonl")
    # its lean is kept as evidence, labelled neutral, and not pooled into the group's position
    ev = skills["evidence"][axis]
    assert ev["cue_score"] is None and ev["label"] in (None, "neutral")
    assert protection["scores"][axis] > 0.5 and protection["evidence"][axis]["label"] == "protection"
    (gov,) = [p for p in corpus.results["stakeholders"].positions if p.group == "governments"]
    assert (gov.n_statements, gov.n_scored) == (2, 1) and gov.mean == protection["scores"][axis]


def test_sovereign_debt_is_no_cue_of_state_sovereignty(tmp_path):
    """«الديون السيادية» (sovereign debt) matched the shipped axis's cue «السيادية»: a credit-rating story
    was scored on the Internet-governance axis (new-user trial).  «السيادية للدول» still is a cue."""
    debt = "وقالت وكالة التصنيف إن الديون السيادية لتركيا تواجه مخاطر متزايدة."
    (only,) = statements_of(make_corpus([debt], tmp_path))
    assert only.statement.scores[AXIS] is None
    states = "وأكدت الحكومات أن القرارات المتصلة بالإنترنت من الحقوق السيادية للدول."
    (cued,) = statements_of(make_corpus([states], tmp_path))
    assert cued.statement.scores[AXIS] is not None
