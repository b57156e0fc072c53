"""The kaf / alef-madda decision in context: neighbouring words, a Latin gloss, the character model.

Sentences here are invented; the context tables are counted from invented text so that each test
shows one kind of evidence moving a decision the lexicon alone gets the other way.
"""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.evaluate.repair import (
    Score,
    bootstrap,
    letters_kept,
    line_reordered,
    naive_kaf,
    score_document,
    seed_gold,
    simulate_damage,
)
from pipeline.stages.repair import glyph_context
from pipeline.stages.repair.glyph_context import CharModel, GlyphContext, candidate, count, tokens
from pipeline.stages.repair.glyphs import _WORD_RE, zipf
from pipeline.stages.repair.pdf_artefacts import PdfArtefactRepair

# «تسѧѧخير» carries the seed font's kashida glyph: the document shows the damage, so the kaf steps run.
DAMAGE = "تسѧѧخير الموارد"


def repaired(text: str, table: GlyphContext | None = None, **options: object) -> str:
    repairer = PdfArtefactRepair(**options)
    if table is not None:
        repairer._context_table = table
    return repairer.fit(text).repair(text)


def test_a_reading_seen_only_at_a_line_end_backs_off_to_the_lexicon() -> None:
    # «آلية» ends every line of the table's text: seen, but never with a word after it (no right
    # types).  Scoring it before a word read log10(0) (a math domain error on held-out text).
    table = count(["نظام آلية", "عبر آلية"])
    assert table.unigrams["آلية"][1] == 0
    assert table.score("عبر", "آلية", "المتابعة") == table.score("عبر", "آلية", "") + math.log10(
        glyph_context.lexicon_probability("المتابعة")
    )


def test_tokens_and_candidates() -> None:
    assert tokens("تعزیز آليѧات (IGF) في 2024،") == ["تعزيز", "آليات", "(", "A", ")", "في", "0", "،"]
    assert candidate("آلية") and candidate("كلية") and candidate("وآلية") and candidate("مكان") is False
    assert not candidate("الكلية")  # kaf after a joining letter: the intact medial form, never damaged
    assert not candidate("آ")  # no letter after it: no initial form


def test_neighbours_decide_what_the_lexicon_gets_wrong() -> None:
    # The lexicon prefers «كلية» (college) to «آلية» (mechanism); after «عبر» and before «المتابعة»
    # the invented corpus only ever has the mechanism.
    assert zipf("كلية") > zipf("آلية") + 0.5
    corpus = ["تعمل الوزارة عبر آلية المتابعة الدورية", "وتقترح الخطة آلية المتابعة للتنفيذ"] * 3
    corpus += ["درس في كلية الطب", "تخرج من كلية الهندسة"] * 3
    table = count(corpus)
    text = f"{DAMAGE}\nتعمل الهيئة عبر آلية المتابعة\nدرست في آلية الطب"
    assert repaired(text, kaf_context="off").splitlines()[1:] == ["تعمل الهيئة عبر كلية المتابعة", "درست في كلية الطب"]
    assert repaired(text, table).splitlines()[1:] == ["تعمل الهيئة عبر آلية المتابعة", "درست في كلية الطب"]


def test_one_corpus_bigram_cannot_outweigh_the_document() -> None:
    # «الآليات» twice in the document is certain evidence (after the article a kaf would be intact).
    table = count(["إحدى كليات الجامعة"] * 20)
    text = f"{DAMAGE}\nإحدى آليات التشاور\nالآليات الوطنية والآليات الدولية"
    assert repaired(text, table, context_cap=1.5).splitlines()[1] == "إحدى آليات التشاور"
    assert repaired(text, table, context_cap=9.0).splitlines()[1] == "إحدى كليات التشاور"


def test_witten_bell_score_reduces_to_the_lexicon_without_counts() -> None:
    empty = GlyphContext({}, {})
    difference = empty.score("عبر", "كلية", "المتابعة") - empty.score("عبر", "آلية", "المتابعة")
    assert math.isclose(difference, zipf("كلية") - zipf("آلية"), abs_tol=0.011)  # zipf is rounded
    table = count(["عبر آلية المتابعة"] * 2)
    assert table.score("عبر", "آلية", "المتابعة") > empty.score("عبر", "آلية", "المتابعة") + 1


def test_latin_gloss_is_evidence_of_a_name() -> None:
    # Neither «آدهار» nor «كدهار» is a word; the gloss says which letter the name starts with.
    assert zipf("آدهار") == zipf("كدهار") == 0.0
    text = f"{DAMAGE}\nنظام آدهار (Aadhar) للهوية\nبرنامج آدهار (Kadhar) للهوية"
    lines = repaired(text).splitlines()
    assert lines[1] == "نظام آدهار (Aadhar) للهوية"
    assert lines[2] == "برنامج كدهار (Kadhar) للهوية"
    assert repaired(text, gloss_weight=0.0, unknown_kaf="kaf").splitlines()[1] == "نظام كدهار (Aadhar) للهوية"


def test_character_model_follows_frequency_weighted_trigrams() -> None:
    names = CharModel({"آدم": 1e-4, "آدمي": 1e-5, "كتب": 1e-3})
    assert names.preference("آدهار", 0) == "آ"  # «^^آ», «^آد», «آده»: seen with آ, never with ك
    places = CharModel({"كدر": 1e-3, "كدمة": 1e-4, "آمن": 1e-3})
    assert places.preference("آدهار", 0) == "ك"
    # The stage asks the model only when no reading is known and nothing else speaks.
    text = f"{DAMAGE}\nقال آدهار"
    model = glyph_context.char_model()
    expected = model.preference("آدهار", 0)
    assert repaired(text, kaf_context="off").splitlines()[1] == f"قال {expected}دهار"


def test_naive_baseline_and_bootstrap() -> None:
    assert naive_kaf("آانت") == "كانت"
    assert naive_kaf("آليات") == "آليات"  # the more frequent spelling
    assert naive_kaf("الآليات") == "الآليات"  # after a joining letter: no kaf slot
    rows = [(1, 1, 0, 0, 0, 0), (0, 1, 0, 0, 0, 0)] * 10
    low, high = bootstrap(rows, 0, 1)
    assert 0.2 < low < 0.5 < high < 0.8
    assert Score(per_document_kaf=rows).kaf_interval("madda_kept") == (low, high)


def test_counts_record_context_decisions() -> None:
    table = count(["عبر آلية المتابعة"] * 6)
    repairer = PdfArtefactRepair()
    repairer._context_table = table
    text = f"{DAMAGE}\nعبر آلية المتابعة"
    repairer.fit(text).repair(text)
    assert repairer.counts["repair_kaf_context"] == 1
    assert repairer.counts["repair_kaf"] == 0  # the context-free kaf was taken back


def test_shipped_table_loads_and_is_counts_only() -> None:
    table = glyph_context.load()
    assert table is not None and len(table.unigrams) > 1000
    assert all(" " not in word for word in list(table.unigrams)[:1000])
    assert all(value >= 1 for value in list(table.bigrams.values())[:1000])


ALPHABET = "ءآأؤإابةتثجحخدذرزسشصضطظعغفقكلمنهوىي\u0467\u06cc ().AaKk\n"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=ALPHABET, max_size=60))
def test_context_decisions_only_substitute_documented_letters(text: str) -> None:
    table = count(["عبر آلية المتابعة", "في كلية الطب", "آل مكتوم"] * 2)
    out = repaired(f"{DAMAGE}\n{text}", table)
    assert "None" not in out
    assert letters_kept(f"{DAMAGE}\n{text}", out)
    assert out.count("\n") == text.count("\n") + 1


def test_spelled_out_acronym_is_a_gloss() -> None:
    # «كي» (so that) is commoner than «آي»; in a run of letter names «آي» is the letter I.
    assert zipf("كي") > zipf("آي")
    text = f"{DAMAGE}\nمكتب التحقيقات (إف بي آي) ومؤشر آي.إتش.إس ماركت\nقال آي سيلين"
    lines = repaired(text, count(["نص"])).splitlines()
    assert lines[1] == "مكتب التحقيقات (إف بي آي) ومؤشر آي.إتش.إس ماركت"
    assert glyph_context.word_gloss("إف بي آي", list(_WORD_RE.finditer("إف بي آي")), 2) == "I"
    # A letter name is evidence only next to another one, joined by spaces or dots.
    words = list(_WORD_RE.finditer("قال آي سيلين"))
    assert glyph_context.spelled_letter("قال آي سيلين", words, 1) == ""
    words = list(_WORD_RE.finditer("بي، آي"))
    assert glyph_context.spelled_letter("بي، آي", words, 1) == ""


def test_a_last_yeh_is_no_evidence_that_madda_joined() -> None:
    # In damaged text an intact «ي» after «آ» with a letter after it was medial: «آيف» is «كيف».  A
    # last «ي» is final or isolated, drawn right either way: «آي» stays open to the evidence.
    repairer = PdfArtefactRepair(kaf_context="off").fit(f"{DAMAGE}\nیمكن")
    assert [slot.forced for slot in repairer._kaf_slots("آيف", True)] == ["ك"]
    assert [slot.forced for slot in repairer._kaf_slots("آيѧف", True)] == ["ك"]
    assert [slot.forced for slot in repairer._kaf_slots("آي", True)] == [None]


def test_seed_gold_reads_a_typed_farsi_yeh_as_yeh() -> None:
    # A clean source typed with a Persian keyboard («سیاسة»): the damaged document is repaired with
    # every «ی» read as «ي», so the gold does the same (58 words of the news dev split).
    clean = "استمرار سیاسة النفوذ\nكانت الكلية"
    damaged = simulate_damage(clean, seed=1)
    score = Score()
    repaired_text = repaired(damaged)
    score_document(score, clean, damaged, repaired_text, seed_gold(clean))
    assert seed_gold(clean) == "استمرار سياسة النفوذ\nكانت الكلية"
    assert score.matched == score.words == 5
    score_document(strict := Score(), clean, damaged, repaired_text)
    assert strict.matched == 4


def test_line_reordered_sees_moves_through_punctuation_and_other_errors() -> None:
    gold = "صورة الغبار تأليف: صالح الحارثي الناشر: النادي ، 2018م"
    moved = "النادي، 2018م: صالح الحارثي الناشر: صورة الغبار تأليف"
    assert line_reordered(gold, moved)  # the tokens differ («النادي،»): sorted tokens missed it
    assert sorted(gold.split()) != sorted(moved.split())
    assert line_reordered("كانت الكلية في المدينة", "المدينة في آلية كانت")  # a wrong letter as well
    assert not line_reordered(gold, gold.replace(" ،", "،"))  # spacing and punctuation only
    assert not line_reordered("في 10مارس عام", "في 10 مارس عام")  # a split, no move
    assert not line_reordered("كانت الكلية", "كانت آلية")


def test_a_word_the_table_knows_elsewhere_is_no_evidence_here() -> None:
    # «كوزماتيكس» is in the table (counted after «شركة»), not after «أعلنت»: the table has nothing to
    # say here, so the character model decides as for any unknown name (it took the kaf margin's «آ»).
    assert zipf("كوزماتيكس") == zipf("آوزماتيكس") == 0.0
    table = count(["شركة كوزماتيكس الجديدة"] * 3)
    assert table.knows("كوزماتيكس") and not table.seen("أعلنت", "كوزماتيكس", "")
    assert glyph_context.char_model().preference("آوزماتيكس", 0) == "ك"
    assert repaired(f"{DAMAGE}\nأعلنت آوزماتيكس", table).splitlines()[1] == "أعلنت كوزماتيكس"
    assert repaired(f"{DAMAGE}\nشركة آوزماتيكس", table).splitlines()[1] == "شركة كوزماتيكس"


def test_a_word_before_the_same_name_twice_is_read_as_a_name() -> None:
    # «آنا» (Anna) or «كنا» (we were): the lexicon prefers «كنا»; before the same surname twice in the
    # document it is a name.  «آل يوم» (no repeated name after it) is still «كل يوم».
    document = (
        "وأوضح بدر آل زيدان أن تعزیѧѧز التعاون مستمر\n"
        "وقال آل زيدان إن آل يوم يحمل جديدا\n"
        "وتحدثت آنا بونايوتو عن الفيلم، وقالت آنا بونايوتو إنها سعيدة"
    )
    repairer = PdfArtefactRepair().fit(document)
    assert repairer.repair(document).split("\n") == [
        "وأوضح بدر آل زيدان أن تعزيز التعاون مستمر",
        "وقال آل زيدان إن كل يوم يحمل جديدا",
        "وتحدثت آنا بونايوتو عن الفيلم، وقالت آنا بونايوتو إنها سعيدة",
    ]
    assert glyph_context.name_pairs(document) == {("آل", "زيدان"): 2, ("آنا", "بونايوتو"): 2}
    # Not a name: a word with the article or a pronoun suffix after it, or a pair seen once.
    assert glyph_context.name_pairs("آل الأدوار آل الأدوار آل أصدقائها آل أصدقائها آنا فريد") == {}
