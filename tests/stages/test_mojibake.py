"""Arabic mojibake decoded again (pipeline.stages.mojibake): both readings, and clean text untouched."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.stages.mojibake import fix_mojibake, may_hold_mojibake

SENTENCE = "قال الوزير إن حماية البيانات الشخصية أولوية للحكومة، وطالب بضبط الظروف."


def test_utf8_read_as_windows_1256_is_decoded_again_word_by_word():
    """«ط§ظ„» for «ال»: the commonest Arabic mojibake, outside ftfy's encodings; a new user's file came
    out as «طظ„طهظ+ظ...» (normalised garbage) with no word of warning."""
    garbled = SENTENCE.encode("utf-8").decode("cp1256")
    assert may_hold_mojibake(garbled)
    fixed, counts = fix_mojibake("العنوان: " + garbled)  # a clean word beside the mojibake stays
    assert fixed == "العنوان: " + SENTENCE
    assert counts["mojibake_fixed"] == counts["mojibake_pairs"] > 0


def test_utf8_read_as_windows_1252_still_goes_through_ftfy():
    garbled = SENTENCE.encode("utf-8").decode("cp1252", errors="replace")
    fixed, counts = fix_mojibake(garbled)
    assert fixed == SENTENCE and counts["mojibake_fixed"] > 0


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["ضبط،", "طبيعة", "الظروف", "غطاء", "عظيم،", "طاقة", "ظلام", "خطط؛", "بسيط؟"]), max_size=12
    )
)
def test_clean_arabic_never_changes(words):
    """A clean word never decodes as UTF-8 from cp1256 («طب» is D8 C8), even when it shows the signature
    («ضبط،»: «ط» before «،»)."""
    text = " ".join(words)
    assert fix_mojibake(text) == (text, {})


def test_a_token_of_one_pair_is_decoded_only_beside_longer_mojibake():
    # «ط،» (a listed letter and its comma) is also UTF-8 «ء» read as cp1256: alone it is clean text
    # (found by the repair invariants' hypothesis test); in a text that holds mojibake it decodes.
    for clean in ("ط،", "أ، ب، ج، ط، ي"):
        assert fix_mojibake(clean) == (clean, {})
    damaged = "مرحبا بالعالم".encode().decode("cp1256")
    assert fix_mojibake(f"{damaged} ط،")[0] == "مرحبا بالعالم ء"
