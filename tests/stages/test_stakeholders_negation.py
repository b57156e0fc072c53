"""Negation scope around cue terms (cues.negator_before / negator_after), on invented sentences."""

from __future__ import annotations

import pytest

from pipeline.stages.stakeholders.cues import score_terms
from pipeline.stages.stakeholders.stage import StakeholderPositions
from tests.stages.test_stakeholders import ACTORS, AXIS, POSITIONS, make_corpus, statements_of

IG, MS = "intergovernmental", "multistakeholder"


@pytest.fixture(scope="module")
def lexicon():
    return StakeholderPositions(actors=ACTORS, positions=POSITIONS)._lexicon_for(lambda text: text)


def cues(lexicon, text: str, negation: str = "void") -> dict[str, list[str]]:
    doc, _ = lexicon.doc(text)
    return score_terms(doc, lexicon, lexicon.axes, 0, len(doc), negation)[0][AXIS]


NEGATED = "وتسلم الدول الأعضاء بأن هذه القضايا لا تعالجها الآليات القائمة بشكل كاف."


def test_a_particle_before_the_verb_of_the_term_voids_flips_or_is_ignored(lexicon):
    assert cues(lexicon, NEGATED, "off") == {IG: [], MS: ["الآليات القائمة"]}
    assert cues(lexicon, NEGATED, "void") == {IG: [], MS: []}  # the default: no evidence
    assert cues(lexicon, NEGATED, "flip") == {IG: ["لا … الآليات القائمة"], MS: []}


@pytest.mark.parametrize(
    "text",
    [
        "ورأت الحكومات عدم كفاية الآليات القائمة.",  # «عدم» governs the noun before the term
        "وأكد آخرون أن الآليات القائمة لا تكفي.",  # the term is the subject of a negated verb
        "وأكد آخرون أنه لم يعد منتدى إدارة الإنترنت كافيا.",
        "وأكد آخرون أن الحكومات ليست بحاجة إلى الآليات القائمة.",
        # the agent of a negated passive after its cognate object: six words, the window
        "وتسلم الدول بأن قضايا كثيرة لم تعالج معالجة كافية من قبل الآليات القائمة.",
    ],
)
def test_negated_terms_are_no_evidence(lexicon, text):
    assert cues(lexicon, text) == {IG: [], MS: []}, text
    assert cues(lexicon, text, "off")[MS], text  # the term itself is there


@pytest.mark.parametrize(
    "text",
    [
        "ولا سيما الآليات القائمة ومنتدى إدارة الإنترنت.",  # «لا سيما»: especially
        "وقالت الشركات إنه لا بد من التشاور مع أصحاب المصلحة.",  # «لا بد»: must
        "لا يمكن تحقيق ذلك إلا من خلال الآليات القائمة.",  # «لا … إلا»: only through
        "وأكدت المنظمات غير الحكومية والآليات القائمة دورها.",  # «غير» negates «الحكومية» only
        "لم تنجح المفاوضات، والآليات القائمة تعمل بصورة جيدة.",  # a comma ends the particle's reach
        "لم يقل أحد إن الآليات القائمة كافية.",  # a new clause («إن») ends it too
        "الآليات القائمة لا تزال تعمل.",  # «لا تزال»: still
        "لم تعقد هذه الاجتماعات في السنوات الأخيرة مع الآليات القائمة.",  # seven words: out of reach
    ],
)
def test_affirmative_phrases_and_clause_ends_do_not_negate(lexicon, text):
    assert cues(lexicon, text)[MS], text


def test_a_negation_inside_a_term_is_the_term_itself(lexicon):
    # «لم تبدأ» is an intergovernmental term: its own particle does not void it
    assert cues(lexicon, "وارتأى آخرون أن عملية تعزيز التعاون لم تبدأ بعد.") == {IG: ["لم تبدأ"], MS: []}


def test_denied_enabling_of_governments_is_not_read_as_multistakeholder(tmp_path):
    # why void and not flip: «الترتيبات القائمة لم تتضمن تمكين الحكومات» wants governments enabled;
    # flipping would turn «تمكين الحكومات» into multistakeholder evidence
    text = "وارتأى آخرون أن الترتيبات القائمة لم تتضمن تمكين الحكومات من الاضطلاع بأدوارها على قدم المساواة."
    (void,) = statements_of(make_corpus([text], tmp_path / "void"), stance_method="cues")
    assert void.evidence[AXIS] == {IG: ["على قدم المساواة"], MS: []}
    assert void.statement.scores[AXIS] == pytest.approx(-1 / 1.5, abs=1e-4)  # one term, cue prior 0.5
    (flip,) = statements_of(make_corpus([text], tmp_path / "flip"), stance_method="cues", stance_negation="flip")
    assert flip.statement.scores[AXIS] > void.statement.scores[AXIS]


def test_the_stage_records_no_score_for_a_statement_whose_only_term_is_negated(tmp_path):
    (statement,) = statements_of(make_corpus([NEGATED.replace("وتسلم", "وأكدت")], tmp_path), stance_method="cues")
    assert statement.statement.speaker == "governments"
    assert statement.evidence[AXIS] == {IG: [], MS: []}
    assert statement.statement.scores[AXIS] is None  # no evidence: no score, not 0.0
