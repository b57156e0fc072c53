"""Invariants of the repair stage (hypothesis): nothing invented, clean text unchanged, idempotent.

* the output holds only what a documented substitution produced: the multiset of its letters is
  that of the input, modulo the documented maps (آ -> ك, ی -> ي, ѧ and tatweel removed,
  presentation forms folded; ligature swaps and line reversal only permute letters);
* clean text -- real words, numbers, punctuation, in any order -- comes back word for word
  (so a line without evidence of visual order is never reordered);
* repairing repaired text changes nothing, also for text with a calibrated damage profile.
"""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.evaluate.repair import FONT_LIGATURES, letters_kept, simulate_ligature_damage, simulate_line_reversal
from pipeline.stages.repair.pdf_artefacts import PdfArtefactRepair, lexicon, repair_text

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Common Arabic words (no alef madda or Farsi yeh: clean text) and tokens that are no words.
WORDS = [
    word
    for word in itertools.islice(lexicon(), 3000)
    if word.isalpha() and all("\u0621" <= ch <= "\u064a" for ch in word) and "آ" not in word
]
OTHER = ["2022:", "0.6102", "63/202", "(2008)", "2024", "،", ".", "-", "IGF", "COVID-19", "%", "5"]
CLEAN_TOKEN = st.one_of(st.sampled_from(WORDS), st.sampled_from(OTHER))
CLEAN_LINE = st.lists(CLEAN_TOKEN, min_size=1, max_size=14).map(" ".join)
CLEAN_TEXT = st.lists(CLEAN_LINE, min_size=1, max_size=6).map("\n".join)
RAW = st.text(alphabet="ءآأؤإئابةتثجحخدذرزسشصضطظعغفقكلمنهوىي\u0467\u06cc\u0640\u064e ﻻﺍﻛ\n.،0123456789(", max_size=60)


@SETTINGS
@given(CLEAN_TEXT)
def test_clean_text_is_unchanged_word_for_word(text: str) -> None:
    repairer = PdfArtefactRepair().fit(text)
    assert repairer.repair(text).split() == text.split()
    assert repairer.profile["profiles"] == []


@SETTINGS
@given(RAW)
def test_output_holds_only_documented_substitutions(text: str) -> None:
    repaired = repair_text(text)
    assert "None" not in repaired
    assert letters_kept(text, repaired)


@SETTINGS
@given(
    CLEAN_TEXT,
    st.sets(st.sampled_from(["لا", "لأ", "لإ", "لم", "لح", "لج", "لخ", "لى", "لي", "في", "فى", *FONT_LIGATURES])),
)
def test_ligature_and_reversal_damage_is_repaired_by_permutation_only(text: str, pairs: set) -> None:
    # Bare pairs ligate anywhere; (pair, position) entries are a font's, where its glyph forms.
    for damaged in (simulate_ligature_damage(text, pairs), simulate_line_reversal(text)):
        repaired = repair_text(damaged)
        assert letters_kept(damaged, repaired)
        assert repair_text(repaired) == repaired  # idempotent on calibrated damage too


def test_the_issue_example_invents_nothing() -> None:
    text = "تسѧѧѧѧخير تكنولوجيѧѧѧѧات المعلومѧѧѧѧات\nالمؤشر بين عامي 2022 و2024 حسب المنطقة\n2022: 0.6102"
    assert repair_text(text).split("\n")[1:] == ["المؤشر بين عامي 2022 و2024 حسب المنطقة", "2022: 0.6102"]


def test_damaged_yeh_does_not_hide_a_reversed_line_until_the_second_pass() -> None:
    # «ی» (damaged initial yeh) after a final-only letter: the reversal check must read it as «ي»,
    # else the first pass keeps the line and the second (after ی -> ي) reverses it (found by hypothesis).
    for text in ("ىیء0صفل", "ـىاإ0ءﻻ"):  # and tatweel before a final-only letter
        once = repair_text(text)
        assert repair_text(once) == once, text
