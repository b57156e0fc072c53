"""The normaliser's fast path equals the camel-tools chain; display keeps letters, normalise folds them."""

from __future__ import annotations

import itertools
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.registry import lookup
from pipeline.stages.normalise import CamelNormaliser, camel_reference, fast_clean
from pipeline.text.arabic import fold_variants
from tests.conftest import shared_path

FOLDS = list(itertools.product((False, True), repeat=3))

# Characters that exercise every branch of the chain: Arabic letters and harakat, tatweel, the
# seed's PDF damage (ѧ, ی, آ), presentation forms and ligatures, Persian/Urdu letters, Arabic
# punctuation and digits, odd spaces and joiners, decomposed hamza, emoji, Latin-1, control chars.
_ALPHABET = (
    "ابتثجحخدذرسشصضطظعغفقكلمنهويءآأإؤئةى"
    "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0670\u0653\u0654\u0655\u0640"
    "ѧیکھۀپچژگ"
    "ﻻﻷﺑﺒﺔﷲ\ufdfc\ufdfd\ufdfa\ufb50\ufe8e"
    "،؛؟٪٫٠١٢٩۰۹«»“”–—…‰"
    " \t\n\r\x0b\x0c\x1c\x85\xa0\u1680\u2000\u200b\u200c\u200d\u200e\u200f\u2028\u202f\u3000\ufeff"
    "abcXYZ019.,;:!?()[]{}#*%&'\"-_/\\<>=+~^`|@$"
    "éçÀÿ×÷¶␤\u0301\ufb01\uff21\u00b2"
    "😀👍🏽🇸🇦\ufe0f\u20e3\U0001d400\U000e0041"
)
texts = st.text(alphabet=st.sampled_from(_ALPHABET), max_size=60) | st.text(max_size=30)


def test_registered():
    assert lookup("normalise", "camel") is CamelNormaliser


def test_fast_path_equals_camel_chain_on_seed(seed_text):
    for folds in FOLDS:
        assert fast_clean(seed_text, *folds) == camel_reference(seed_text, *folds), folds


def test_fast_path_equals_camel_chain_on_news_sample():
    path = shared_path("news-ant", "news_ant_v2.1_multisource_sample.jsonl")
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            text = json.loads(line)["text"]
            # All fold combinations on a twentieth of the sample, the default on all of it.
            for folds in FOLDS if number % 20 == 0 else [(True, True, False)]:
                assert fast_clean(text, *folds) == camel_reference(text, *folds), (number, folds)


@settings(max_examples=400, deadline=None)
@given(text=texts, folds=st.sampled_from(FOLDS))
def test_fast_path_equals_camel_chain_on_random_text(text, folds):
    assert fast_clean(text, *folds) == camel_reference(text, *folds)


def test_display_cleans_without_folding():
    normaliser = CamelNormaliser()
    text = "تسѧѧѧخير  الإنترنت\n\tمُحَمَّد على المَدرسة ﻻ"
    assert normaliser.display(text) == "تسخير الإنترنت مُحَمَّد على المَدرسة لا"


def test_display_keeps_the_diacritics_the_model_text_drops():
    normaliser = CamelNormaliser()
    text = "أولاً: كتابٌ جديدٌ، وتعليمٍ مُستمرٍّ ثانيـاً"
    # tanween, shadda and short vowels as written; justification tatweel goes
    assert normaliser.display(text) == "أولاً: كتابٌ جديدٌ، وتعليمٍ مُستمرٍّ ثانياً"
    assert normaliser.normalise(text) == "اولا: كتاب جديد, وتعليم مستمر ثانيا"


def test_display_keeps_arabic_punctuation_and_digits():
    normaliser = CamelNormaliser()
    assert normaliser.display("قال، ثم؛ لماذا؟ «نعم» ١٢٣") == "قال، ثم؛ لماذا؟ «نعم» ١٢٣"
    # the model form still takes arclean's ASCII images
    assert normaliser.normalise("قال، لماذا؟") == "قال, لماذا?"
    # typographic quotes and dashes as printed (a new user saw “…” become "…")
    printed = "قال إن “الحكومة ستدعم ‘المبادرة’” – أو — لا «نعم»"
    assert normaliser.display(printed) == printed
    assert normaliser.normalise("“الحكومة”") == '"الحكومة"'


def test_normalise_folds_alef_and_maksura_by_default():
    normaliser = CamelNormaliser()
    assert normaliser.normalise("إدارة أصحاب آليات على المصلحة") == "ادارة اصحاب اليات علي المصلحة"


def test_folds_follow_options():
    text = "إدارة على المصلحة"
    assert CamelNormaliser(fold_alef=False, fold_alef_maksura=False).normalise(text) == text
    assert CamelNormaliser(fold_teh_marbuta=True).normalise(text) == "اداره علي المصلحه"


def test_farsi_yeh_becomes_yeh_in_the_folded_form():
    # arclean maps Farsi yeh (the seed's damaged initial yeh) to alef maksura; the maksura fold
    # then gives the intended yeh, so even unrepaired text meets its repaired form.
    normaliser = CamelNormaliser()
    assert normaliser.normalise("تعزیز") == normaliser.normalise("تعزيز") == "تعزيز"
    # Display text keeps the author's letter: a Persian-keyboard yeh is the Arabic yeh, not «ى».
    assert normaliser.display("تعزیز") == "تعزيز"
    assert normaliser.display("فی علی") == "في على"  # at a word's end the more frequent word decides


def test_unicode_normalisation_runs_before_arclean():
    # A decomposed hamza (alef + U+0654) survives as أ instead of being stripped to bare alef.
    assert CamelNormaliser().display("ا\u0654من") == "أمن"


def test_fold_variants_cover_every_fold():
    assert fold_variants("إلى المدرسة") == {
        "إلى المدرسة",
        "الى المدرسة",
        "إلي المدرسة",
        "الي المدرسة",
        "إلى المدرسه",
        "الى المدرسه",
        "إلي المدرسه",
        "الي المدرسه",
    }


def test_display_keeps_separators_and_orthographic_tatweel_normalise_folds_them():
    normaliser = CamelNormaliser()
    assert normaliser.display("٣٫٥ و١٬٢٠٠") == "٣٫٥ و١٬٢٠٠"
    assert normaliser.normalise("٣٫٥") == "3,5"  # model text keeps arclean's ASCII image
    text = "الـ 193 دولة لـ COVID والـ SDGs تنفيـــذ ثانيـا"
    assert normaliser.display(text) == "الـ 193 دولة لـ COVID والـ SDGs تنفيذ ثانيا"
    # the Hijri year's «هـ» and a prefix before a quotation keep theirs too (a new user saw «1436ه»)
    text = 'في 1436هـ و٢٠ هـ قال لـ "فيسبوك" بـ«المنصة» إن الهـدف'
    assert normaliser.display(text) == 'في 1436هـ و٢٠ هـ قال لـ "فيسبوك" بـ«المنصة» إن الهدف'
    assert "\u0640" not in normaliser.normalise(text)


@given(text=texts)
def test_models_read_the_display_text_without_its_marks_as_before_display_kept_them(text):
    """Display text keeps the diacritics; the text the sentence encoders read (display without them)
    is what the display text was when arclean deleted them, so no model input changed."""
    from pipeline.stages.normalise import DISPLAY_KEEP, farsi_yeh_as_arabic, keep_orthography
    from pipeline.text.arabic import DISPLAY_MARKS, without_marks

    before = " ".join(
        fast_clean(
            keep_orthography(farsi_yeh_as_arabic(text)), keep=DISPLAY_KEEP - set(DISPLAY_MARKS) - {"\u200c", "\ufdd0"}
        ).split()
    )
    assert without_marks(CamelNormaliser().display(text)) == before


def test_a_stray_mark_between_spaces_leaves_one_space_for_the_models():
    from pipeline.text.arabic import without_marks

    display = CamelNormaliser().display("كتابٌ \u064b جديد")
    assert display == "كتابٌ \u064b جديد" and without_marks(display) == "كتاب جديد"


def test_display_keeps_borrowed_letters_and_counts_persian_keyboard_letters():
    """«ڤيتنام» is what the author wrote (arclean made it «فيتنام», and deleted Kurdish «ە»); a Persian
    keyboard's «ک» and «ی» are read as the Arabic letters meant, and counted for the run summary."""
    from pipeline.records import Document, DocumentState, Unit

    stage = CamelNormaliser()
    text = "زار ڤيتنام وگوگل وپاريس وچين وأربيلە مدينة کبيرة فی"
    state = DocumentState(
        Document("d", "d.txt", text, "utf-8", "0"), units=[Unit("d", "d/p1", "paragraph", None, None, text)]
    )
    counts = stage.process(state)
    assert state.units[0].text == "زار ڤيتنام وگوگل وپاريس وچين وأربيلە مدينة كبيرة في"
    assert state.units[0].norm.startswith("زار فيتنام")  # the models fold them still
    assert counts == {"units": 1, "persian_keyboard_letters": 2}


def test_display_keeps_the_ellipsis_and_zwnj_the_model_text_folds_them():
    """«…» is the author's character (NFKC writes three stops) and ZWNJ is orthography in quoted Persian;
    the model text folds both as camel-tools does, and the encoders read them as before (``without_marks``)."""
    from pipeline.text.arabic import without_marks

    stage = CamelNormaliser()
    text = "قال الوزير… إن عبارة «بنده‌نوازي» فارسية"
    assert stage.display(text) == text
    assert "…" not in stage.normalise(text) and "\u200c" not in stage.normalise(text)
    assert without_marks(stage.display(text)) == "قال الوزير... إن عبارة «بنده نوازي» فارسية"


def test_the_ellipsis_stand_in_never_turns_into_an_ellipsis():
    # a text that already holds the stand-in (U+FDD0) keeps NFKC's three stops: nothing is invented
    stage = CamelNormaliser()
    assert stage.display("نص \ufdd0 و… هنا") == "نص \ufdd0 و... هنا"
