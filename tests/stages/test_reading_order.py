"""Reading order: the bigram-model search (pipeline/stages/repair/reading_order.py) and its evaluation."""

from __future__ import annotations

import itertools
import json
import math
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.evaluate.reading_order import SEED, bigram_f1, evaluate, tokens
from pipeline.stages.repair import ngram
from pipeline.stages.repair.pdf_artefacts import PdfArtefactRepair, _reading_order, fix_visual_order_line
from tests.conftest import shared_path


def test_bigram_f1_sees_order_not_only_words() -> None:
    assert bigram_f1("آليات التعاون الدولي", "آليات التعاون الدولي") == 1.0
    assert bigram_f1("آليات التعاون الدولي", "التعاون الدولي آليات") == 0.5


def test_bundled_report_reading_improves_on_the_rules() -> None:
    # Measured: rules 0.897 mean bigram F1 with 20 of 41 units below 0.9; model 0.953 with 3
    # (0.925 with 12 before the third round: lam-alef words, the context unit, the tail gate; 0.929
    # with 10 before the fourth: re-joined words scored whole, rare lexicon words as pieces, a
    # conjunction split off a fragment before a stop or inside a glued token, mirrored brackets, «إأن»;
    # 0.941 with 5 before the fifth: the paragraph number taken off a line's visual end as a prior,
    # a wide gap between two words a chunk edge on a tie, a glued token re-split after a cut word head,
    # a smaller margin over a rules reading that leaves words glued; 0.953 with 3 before the sixth: a
    # ѧ-led line searched once undone, a letter drawn at its word's wrong end turned round, the stem
    # backoff, a lone conjunction as a chunk edge and plural endings as pieces: 0.958 with 3; the
    # next line's first word read after a line's last, in a second pass: 0.961 with 3; the document's
    # own pairs as a cache model: 0.965 with 2; their sound plurals in either case: 0.966 with 2;
    # and their stems' pairs: 0.967 with 1).
    _, rules = evaluate(visual_order_method="rules")
    _, model = evaluate(visual_order_method="lm")
    assert model["units"] == 41
    assert model["mean_bigram_f1"] >= rules["mean_bigram_f1"] + 0.01
    assert model["below"] <= rules["below"] - 5
    assert model["mean_bigram_f1"] >= 0.965 and model["below"] <= 1


@pytest.mark.xfail(strict=True, reason="issue 12 target not reached yet: measured 0.967 (1 unit below 0.9)")
def test_bundled_report_reading_meets_the_target() -> None:
    _, totals = evaluate(visual_order_method="lm")
    assert totals["mean_bigram_f1"] >= 0.97 and totals["below"] <= 3


def test_the_next_lines_first_word_chooses_a_lines_last() -> None:
    # Seed line 424 of paragraph 28 («… ومع ذلك أُشير إلى أن العكس صحيح أيضا.»): alone, «العكس» or «إلى
    # أن» may end the line; the next line's first word as a first pass read it («صحيح») chooses.
    line = "لى أن العكس إأن تكون متسقة مع القانون الدولي الساري؛ ومع ذلك أُشير "
    assert fix_visual_order_line(line, "الإنترنت", "lm").split()[-3:] == ["العكس", "إلى", "أن"]
    after = fix_visual_order_line(line, "الإنترنت", "lm", after="صحيح أيضا. فالقانون الدولي")
    assert " ".join(after.split()) == "أن تكون متسقة مع القانون الدولي الساري؛ ومع ذلك أُشير إلى أن العكس"
    # Seed line 481 (paragraph 34): «… هي حق من الحقوق» before «السيادية للدول».
    line = "حقوق المتعلقة بقضایا السياسة العامة المتصلة بالإنترنت هي حق من ال       "
    assert fix_visual_order_line(line, "السلطة", "lm", after="السيادية للدول.").split()[-3:] == ["حق", "من", "الحقوق"]
    # It weighs half and never keeps a line in raw order that wins by the margin without it (seed line
    # 538: «… جدول أعمال تونس» before «بين» is a pair seen twice in the news, «الأنشطة بين» is unseen).
    line = " الأنشطة  تيسير  الذي دعا الأمين العام إلى وذلك تمشيا مع جدول أعمال تونس  "
    alone = fix_visual_order_line(line, "القدرات،", "lm")
    assert alone != line and fix_visual_order_line(line, "القدرات،", "lm", after="بين مختلف أصحاب") == alone
    # Clean text: nothing to choose.
    assert fix_visual_order_line("آليات التعاون الدولي", method="lm", after="في مجال") == "آليات التعاون الدولي"


def test_document_pairs_are_the_phrases_of_two_lines_or_more() -> None:
    text = "\n".join(
        (
            "واعترف جدول أعمال تونس بضرورة      . التعاون الدولي",
            "في جدول أعمال تونس       الدولي التعاون",
            "جدول أعمال القمة",
        )
    )
    pairs = ngram.document_pairs(text)
    # «جدول أعمال» in three lines, «أعمال تونس» in two: log10 of the share of «جدول» it follows.
    assert pairs["جدول اعمال"] == pytest.approx(0.0)
    assert pairs["اعمال تونس"] == pytest.approx(math.log10(2 / 3))
    assert "تونس بضروره" not in pairs  # one line only
    assert "بضروره ." not in pairs and "تونس الدولي" not in pairs  # never across a wide gap
    assert ". التعاون" not in pairs  # a stop opening a stretch is drawn in visual order
    assert ngram.document_pairs("جدول أعمال تونس") == {}
    # The pairs of stems (proclitics off) too, keyed «~»: «بجدول أعمال» and «جدول أعمال» are one phrase.
    stems = ngram.document_pairs("بجدول أعمال تونس\nجدول أعمال القمة")
    assert "~جدول اعمال" in stems and "بجدول اعمال" not in stems


def test_the_documents_pairs_read_its_lines_and_only_its_own(seed_text: str) -> None:
    from pipeline.records import Document
    from pipeline.stages.structure import UnDocumentStructure

    units = UnDocumentStructure().split(Document("seed", str(SEED), seed_text, "utf-8", "")).units
    thirteen = next(u for u in units if u.kind == "paragraph" and u.number == 13)
    repairer = PdfArtefactRepair().fit(seed_text)
    assert repairer._pairs["الدوليه المتعلقه"] > -1  # «الدولية المتعلقة», in two lines of the report
    # Seed line 226, «وعبر  المتعلقة بالإنترنت … من المنظمات»: «وعبر» is read last once «الدولية
    # المتعلقة» is a pair of the document (every pair that differs was unseen: a tie, raw order kept).
    assert "الدولية المتعلقة بالإنترنت" in " ".join(repairer.repair(thirteen.raw, thirteen.visual_lines).split())
    # A line read alone, outside a fitted document, does not read the last document's pairs.
    searcher = _reading_order()
    assert searcher._document == {} and searcher._document_id is None
    # A clean document has none, and is not searched at all.
    assert PdfArtefactRepair().fit("جدول أعمال تونس\nجدول أعمال تونس")._pairs == {}


def test_a_document_pair_of_stems_backs_off(seed_text: str) -> None:
    searcher = _reading_order()
    searcher.use_document({"~ادوارها مسوولياتها": -0.5}, "test-stems")
    try:
        # «بادوارها ومسوولياتها» is unseen; the document's stems pair scores it, times 0.4.
        assert searcher._logp("بادوارها", "ومسوولياتها") == pytest.approx(-0.5 + ngram.BACKOFF)
    finally:
        searcher.use_document(None)
    # Paragraph 2, seed line 51 («وأشير … بأدوارها . دوره»): «دوره.» is read first, «بأدوارها» last,
    # before «ومسؤولياتها» (the document has «… بأدوارها ومسؤولياتها» and «أدوارها ومسؤولياتها»).
    from pipeline.records import Document
    from pipeline.stages.structure import UnDocumentStructure

    units = UnDocumentStructure().split(Document("seed", str(SEED), seed_text, "utf-8", "")).units
    two = next(u for u in units if u.kind == "paragraph" and u.number == 2)
    read = " ".join(PdfArtefactRepair().fit(seed_text).repair(two.raw, two.visual_lines).split())
    assert "دوره. وأشير أيضا إشارة محددة إلى ضرورة قيام الحكومات بأدوارها ومسؤولياتها" in read


def test_a_document_pair_backs_off_over_a_sound_plurals_case_ending(seed_text: str) -> None:
    searcher = _reading_order()
    searcher.use_document({"المصلحه الاخرين": -0.9}, "test")
    try:
        # «المصلحة الآخرون» is unseen in the table; the document says «المصلحة الآخرين».
        assert searcher._logp("المصلحه", "الاخرون") == pytest.approx(-0.9 + ngram.BACKOFF)
        assert searcher._logp("المصلحه", "الاخرين") == pytest.approx(-0.9)
        assert searcher._logp("المصلحه", "الاخر") == searcher._model_logp("المصلحه", "الاخر")
    finally:
        searcher.use_document(None)
    # Summary, seed line 26: «الآخرون، و|طلب …» is read after «… وأصحاب المصلحة».
    from pipeline.records import Document
    from pipeline.stages.structure import UnDocumentStructure

    units = UnDocumentStructure().split(Document("seed", str(SEED), seed_text, "utf-8", "")).units
    summary = next(u for u in units if u.kind == "summary")
    read = " ".join(PdfArtefactRepair().fit(seed_text).repair(summary.raw, summary.visual_lines).split())
    assert "وأصحاب المصلحة الآخرون، وطلب إرسال تقرير عن نتائج هذه المشاورات، من خلال المجلس" in read


def test_no_evidence_no_reordering() -> None:
    for line in ("2022: 0.6102", "2022:  0.6102", "آليات التعاون الدولي"):
        assert fix_visual_order_line(line, method="lm") == line


def test_a_visual_line_is_put_in_reading_order() -> None:
    # Seed line 288: the rules keep «الإنترنت» on the wrong side of the cut word «واست|خدام».
    line = "ووجهت المشاورات بالتالي    . خدام الإنترنت التي تحدد شكل تطور واست     "
    assert (
        fix_visual_order_line(line, method="lm").strip()
        == "التي تحدد شكل تطور واستخدام الإنترنت. ووجهت المشاورات بالتالي"
    )
    # Seed line 23, read after line 22's last word: a single-space cut pays only with that context.
    line = " بشأن قضایا السياسة العامة     مشاورات مفتوحة وشاملة  إلى إجراء العام"
    expected = "العام إلى إجراء مشاورات مفتوحة وشاملة بشأن قضایا السياسة العامة"
    assert fix_visual_order_line(line, "الأمين", "lm").strip() == expected
    # Seed line 308: no gap, but the line opens with the tail «اء» of «الآر|اء» from its middle.
    line = "اء التي أعرب عنها وأآدت الآر. مسيرة تطور الإنترنت وأدائها وتطویرها"
    expected = "مسيرة تطور الإنترنت وأدائها وتطویرها. وأآدت الآراء التي أعرب عنها"
    assert fix_visual_order_line(line, "في", "lm") == expected


def test_a_number_taken_off_the_visual_end_is_a_prior_for_the_line() -> None:
    # Seed line 297 after the structure stage took «- 19» off its right edge: with the number the
    # rules read it (evidence 2), without it nothing did, and paragraph 19 kept the raw order.
    # (The model now reads it right without the prior too: its gaps are wide, see the test below.)
    line = "بضرورة تعزیز التعاون الدولي     أیضا جدول أعمال تونس       واعترف   "
    expected = "واعترف أیضا جدول أعمال تونس بضرورة تعزیز التعاون الدولي"
    assert fix_visual_order_line(line, ".", "rules").split() == line.split()
    assert fix_visual_order_line(line, ".", "rules", visual_end=True).strip() == expected
    assert fix_visual_order_line(line, ".", "lm", visual_end=True).strip() == expected
    # Seed line 134 (paragraph 8): one stretch whose number and words are in visual order.
    line = "، أجرى وآيل الأمين العام للشؤون 2010/2استجابة لقرار المجلس  "
    expected = "استجابة لقرار المجلس 2010/2 ، أجرى وآيل الأمين العام للشؤون"
    assert fix_visual_order_line(line, ".", "lm").strip() != expected
    assert fix_visual_order_line(line, ".", "lm", visual_end=True).strip() == expected
    # Seed line 466 (paragraph 33): no gap, no seam the search looks for; with the prior it is searched.
    line = "بعد، وأن وارتأى آخرون أن عملية تعزیز التعاون الدولي لم تبدأ "
    assert fix_visual_order_line(line, ".", "lm") == line
    assert fix_visual_order_line(line, ".", "lm", visual_end=True).strip().endswith("التعاون الدولي لم تبدأ بعد")
    # A prior, not a verdict: a line with no other sign of visual order stays as it is.
    for line in ("آليات التعاون الدولي", "وأشار عدد من المشاركين إلى أهمية التعاون في هذا المجال"):
        assert fix_visual_order_line(line, ".", "lm", visual_end=True) == line


def test_a_line_drawn_left_to_right_is_searched_once_undone(seed_text: str) -> None:
    # Seed line 10: glyph runs drawn left to right (the ѧ kashida glyphs); once the runs are undone the
    # line is chunks in visual order with no seam the search looks for of its own («ائل» is a word
    # of the table).  The undoing is the evidence: the line is searched as with the number prior.
    line = seed_text.split("\n")[9]
    assert "\u0467" in line
    expected = "المسѧѧѧѧѧائل الاقتصѧѧѧѧѧادیة والبيئيѧѧѧѧѧة: تسѧѧѧѧѧخير العلѧѧѧѧѧم"
    assert fix_visual_order_line(line, ".", "lm").strip() == expected
    # The rules undo the runs only: the chunks stay in visual order.
    assert fix_visual_order_line(line, ".", "rules").strip().startswith("تسѧѧѧѧѧخير العلѧѧѧѧѧم: ائل")


def test_a_letter_drawn_at_the_wrong_end_of_its_word_is_turned_round(seed_text: str) -> None:
    # Seed line 361: «ت» of «النطاقات» drawn at the left of the rest, a chunk of its own.
    line = seed_text.split("\n")[360]
    assert line.endswith(". تالنطاقا")
    assert fix_visual_order_line(line, "أسماء", "lm").startswith("النطاقات. وأشار بعض")
    # Seed line 94 (ѧ-led): «لىع» is «لى» + «ع» of «على», glued to «بهدف».
    line = seed_text.split("\n")[93]
    assert fix_visual_order_line(line, ".", "lm").replace("\u0467", "").split()[-2:] == ["العملية”", "على"]
    # A piece of a clean glued token whose other pieces are no words stays: «لأحفادنا» is not «لأ|ح…».
    searcher = _reading_order()
    assert [unit.text for unit in searcher._units('"مستقبل أفضل لأحفادنا" . 138')][3] != "لأ"
    assert searcher.reorder('"مستقبل أفضل لأحفادنا" . 138')[1] == 0
    # A token that re-joins another unit of the line is a cut piece, not a turned word («الان … تباه»).
    assert "تباه" in [unit.text for unit in searcher._units("بين التحدیات تباه من جدید إلى التمييز الواردالان")]


def test_a_conjunction_set_apart_ends_a_chunk_and_opens_the_word_read_after_it() -> None:
    # Seed line 351 (paragraph 23's first): «و» of «وأشار» drawn at the line's left end, «ين» of
    # «المساهم|ين» at its right; a lone «و» cut off is as cheap as a stop, and a plural ending that
    # stands alone re-joins the word it ends.
    line = "ين في المشاورات المفتوحة إلى تطور   أشار عدد من المساهم و"
    expected = "وأشار عدد من المساهمين في المشاورات المفتوحة إلى تطور"
    assert fix_visual_order_line(line, ".", "lm") == expected
    # Seed line 523 (paragraph 37's first): the order was right, the «و» stood apart from «أُحيط».
    line = "علما بمساهمة المنظمات الحكومية الدولية الأخرى على أساس          أُحيط  و"
    assert fix_visual_order_line(line, ".", "lm").startswith("وأُحيط علما بمساهمة")
    # A lone «و» in a line with no seam is not searched at all.
    assert fix_visual_order_line("قال إن التعاون و التنمية مترابطان", ".", "lm") == "قال إن التعاون و التنمية مترابطان"


def test_repair_reads_a_units_visual_lines(seed_text: str) -> None:
    from pipeline.records import Document
    from pipeline.stages.structure import UnDocumentStructure

    units = UnDocumentStructure().split(Document("seed", str(SEED), seed_text, "utf-8", "")).units
    eight = next(u for u in units if u.kind == "paragraph" and u.number == 8)
    assert eight.visual_lines == (0,)
    repairer = PdfArtefactRepair().fit(seed_text)
    with_prior = " ".join(repairer.repair(eight.raw, eight.visual_lines).split())
    without = " ".join(repairer.repair(eight.raw).split())  # the unit cache must tell the two apart
    assert with_prior.startswith("استجابة لقرار المجلس 2010/2 ، أجرى وكيل الأمين العام للشؤون الاقتصادية")
    # Without the prior the line is still read (its comma glued to the next word shows a seam), the
    # next line's first word choosing among readings, but not as with it.
    assert without != with_prior
    assert without.startswith("2010/2 استجابة لقرار المجلس، أجرى وكيل الأمين العام للشؤون الاقتصادية")


def test_a_wide_gap_between_words_is_a_chunk_edge_even_on_a_tie() -> None:
    # Seed line 31: every pair that differs between the raw order and the reading is unseen in the
    # table (an exact tie); three spaces or more between two words decide it.
    line = "الأمين العام للشؤون الاقتصادیة والاجتماعية مشاورات            ونظم وآيل "
    searcher = _reading_order()
    reading = "ونظم وآيل الأمين العام للشؤون الاقتصادیة والاجتماعية مشاورات"
    assert searcher.score(reading, ".") == pytest.approx(searcher.score(line, "."))
    assert fix_visual_order_line(line, ".", "lm").strip() == reading
    # Two spaces count where the line has a wider gap (seed line 23, read after «الأمين» as in the report).
    line = " بشأن قضایا السياسة العامة     مشاورات مفتوحة وشاملة  إلى إجراء العام"
    expected = "العام إلى إجراء مشاورات مفتوحة وشاملة بشأن قضایا السياسة العامة"
    assert fix_visual_order_line(line, ".", "lm").strip() == expected
    # Not after a bullet, and not at a two-space typo of clean text: those keep the plain cost.
    for clean in (
        "*   تطوير آليات التعاون الدولي بين الدول الأعضاء",
        "وقد ناقش المجلس التقرير  السنوي في جلسته الأخيرة",
    ):
        assert searcher.reorder(clean, ".")[1] == 0


def test_a_wide_gap_beside_a_mirrored_bracket_is_a_chunk_edge() -> None:
    # Seed line 91 (paragraph 6): «)E/2009/92(» is drawn mirrored, its opening bracket glued between the
    # reference and the next chunk's first word; the gap before it is a chunk edge like a gap between words.
    line = "، ودعا الأمين العام إلى         )E/2009/92(بتقریر الأمين العام عن تعزیز التعاون"
    fixed = fix_visual_order_line(line, "علما", "lm")
    assert tokens(fixed) == tokens("بتقریر الأمين العام عن تعزیز التعاون E/2009/92، ودعا الأمين العام إلى")
    assert Counter(fixed.replace(" ", "")) == Counter(line.replace(" ", ""))
    line = "وأشار التقرير E/2009/92(بتقريره) إلى"  # one space, brackets glued: nothing to read across
    assert fix_visual_order_line(line, ".", "lm") == line


def test_a_glued_token_is_split_after_a_letter_that_heads_a_cut_word_in_the_line() -> None:
    # Seed line 321 (paragraph 20): «اومع» is «او» + «مع» to the lexicon, but the «ا» is the head of «ا|لقمة».
    searcher = _reading_order()
    line = "لقمة لمؤتمر اومع ذلك، فإن الوثائق الختامية    . الدولية المتعلقة بالإنترنت"
    assert [unit.text for unit in searcher._units(line)][2:4] == ["ا", "ومع"]
    expected = "الدولية المتعلقة بالإنترنت. ومع ذلك، فإن الوثائق الختامية لمؤتمر القمة"
    assert fix_visual_order_line(line, "العامة", "lm") == expected
    # No word in the line that the letter heads: the lexicon's split stands.
    assert [unit.text for unit in searcher._units("جاء اومع صديقه")][1:3] == ["او", "مع"]


def test_a_rules_reading_that_leaves_words_glued_needs_less_to_beat() -> None:
    # Seed line 465 (paragraph 32): the rules move the head «ط» back (a rotation) but leave
    # «والاجتماعيعن» glued; the model's reading reads that seam too and scores 0.29 higher.
    line = ".ریق المجلس الاقتصادي والاجتماعيعن ط"
    searcher = _reading_order()
    assert searcher.glued_words(line) == 1 and searcher.glued_words("عن طریق المجلس") == 0
    assert fix_visual_order_line(line, "العامة", "lm") == "عن طریق المجلس الاقتصادي والاجتماعي."


def test_a_known_lam_alef_word_does_not_keep_a_line_from_the_search() -> None:
    # Invented lines.  A word that opens with a lam-alef ligature and is a word («لأغراض», «لإدارة») is
    # no detached ligature: the line is the model's (it went to the rules, which leave it as it is).
    line = "إلى الجمعية العامة        وقدم الأمين العام تقريره لأغراض التنمية"
    assert fix_visual_order_line(line, ".", "lm") == "وقدم الأمين العام تقريره لأغراض التنمية إلى الجمعية العامة"
    line = "من أجل التنمية المستدامة        وأكد المشاركون أهمية التعاون الدولي لإدارة الموارد"
    expected = "وأكد المشاركون أهمية التعاون الدولي لإدارة الموارد من أجل التنمية المستدامة"
    assert fix_visual_order_line(line, ".", "lm") == expected
    # A ligature that is no word is still the rules' (rejoin_lam_alef puts it back later).
    for line in ("لكترونية  لإت والتجارة ا", "قليمية   لإ وينبغي معالجة المسائل ا"):
        assert fix_visual_order_line(line, ".", "lm") == fix_visual_order_line(line, ".", "rules")


def test_a_line_is_read_after_the_last_unit_of_the_previous_line() -> None:
    # A previous line that ends in a comma or a stop is read as «،» / «.», which the model knows
    # (it was the unknown word «الشركاء،», which backs off to nothing).
    searcher = _reading_order()
    assert searcher.score("وذلك من خلال", "الشركاء،") == searcher.score("وذلك من خلال", "،")
    assert searcher.score("وذلك من خلال", "الشركاء.") == searcher.score("وذلك من خلال", ".")
    assert searcher.score("وذلك من خلال", "الشركاء،") != searcher.score("وذلك من خلال", "الشركاء")


def test_a_cut_tail_inside_a_line_with_its_head_later_is_a_seam() -> None:
    # Invented lines in visual order, no gap and no stray stop: only the tail «تباه» of «الان|تباه»,
    # with its head drawn later in the line, shows the seam (the gate took a tail only as first word).
    searcher = _reading_order()
    line = "في جدول أعمال الدورة تباه من جديد إلى التقرير الواردالان"
    assert searcher.shows_seam(line)
    expected = "الانتباه من جديد إلى التقرير الوارد في جدول أعمال الدورة"
    assert fix_visual_order_line(line, "ووجهت", "lm") == expected
    line = "بين الدول الأعضاء تباه إلى أهمية التعاون الان"
    assert fix_visual_order_line(line, "الحكومات", "lm") == "الانتباه إلى أهمية التعاون بين الدول الأعضاء"
    # In clean text a word's head comes before its tail, and a rare word cut by split_word is no seam.
    assert not searcher.shows_seam("ولفت الان تباه الحاضرين إلى ضرورة التنسيق")
    assert not searcher.shows_seam("نسبة السكان الذين يشعرون بالأمان عند تجوالهم في المنطقة")


def test_a_known_word_behind_proclitics_is_not_split() -> None:
    # «للمشاورات» is «لل» + «المشاورات», a word the count table has not seen with this prefix: whole,
    # not the word «للمشا» glued to a fragment «ورات».
    searcher = _reading_order()
    assert searcher.split_word("للمشاورات") == ["للمشاورات"]
    assert searcher.split_word("وللمشاورات") == ["وللمشاورات"]
    assert searcher.split_word("الواردالان") == ["الوارد", "الان"]  # two words glued still split


def test_a_rejoined_word_is_scored_as_the_word() -> None:
    # Seed line 458 (paragraph 31), read after «بين»: «لل» + «بدء» re-join across the seam.  Scored as
    # two unknown pieces the junction was worth nothing, and a reading that scattered the pieces won
    # («يا للمجموعات أصحاب المصلحة، وإطارا تعاونابدء في معالجته.»); scored as «للبدء», the hand reading wins.
    line = " .بدء في معالجتهامجموعات أصحاب المصلحة، وإطارا تعاونيا لل"
    expected = " مجموعات أصحاب المصلحة، وإطارا تعاونيا للبدء في معالجتها."
    assert fix_visual_order_line(line, "بين", "lm") == expected
    # The search's own score of that reading is the text score of the hand reading (the junction is
    # the whole word «للبدء» after «تعاونيا» and before «في»), less the cuts.
    searcher = _reading_order()
    text, cuts, gain = searcher.reorder(line.strip(), "بين")
    assert text == expected.strip() and cuts >= 2
    assert gain >= searcher.score(expected, "بين") - searcher.score(line, "بين") - cuts * searcher.costs.space


def test_a_rare_lexicon_word_is_a_piece_of_a_glued_word() -> None:
    # «معالجتها» is rare in the count table but a lexicon word: the glued token splits after it, not
    # into «معالجته» + «ا» + «مجموعات» (a lone letter that no reading can put back).
    searcher = _reading_order()
    assert searcher.split_word("معالجتهامجموعات") == ["معالجتها", "مجموعات"]
    # Only pieces of five letters or more, counted without kashida glyphs: «تبѧѧاه» (the tail of
    # «الان|تباه») is no lexicon word «ت» + «باه».
    assert searcher.split_word("تبѧѧاه") == ["تبѧѧاه"]


def test_a_conjunction_cut_from_its_word_and_glued_to_a_stop_is_split_off() -> None:
    # Seed line 329 (paragraph 21): «التعف.» is the fragment «التع» (of «التع|اون») with the «ف» of
    # «ف|البعض» glued after it; split there, both words re-join across the seams.
    searcher = _reading_order()
    line = "اون یشير إلى المداولات بين  البعض یقول إن تعزیز التعف. التعاون"
    assert "ف" in [unit.text for unit in searcher._units(line)]
    expected = "التعاون. فالبعض یقول إن تعزیز التعاون یشير إلى المداولات بين"
    assert fix_visual_order_line(line, "لتعزيز", "lm") == expected
    # Not glued to a stop, a word ending in «و» stays whole: at a line's end «المعلو» is the head of
    # «المعلو|مات» (seed line 255), not «المعل» + «و».
    assert searcher.split_head("التعف") == ["التع", "ف"]
    assert [unit.text for unit in searcher._units("مات مرة أخرى إلى نتائج المعلو")][-1] == "المعلو"
    assert searcher.split_head("المعلومات") == ["المعلومات"]  # a word


def test_mirrored_brackets_show_a_seam_and_end_a_chunk() -> None:
    # Seed line 72 (paragraph 4): brackets drawn mirrored and set apart from what they hold, no gap.
    # The line was not searched; now its chunks are read in reverse (the brackets' own places are
    # not restored: the model has no token for them).
    searcher = _reading_order()
    line = "وقد تم اختيار المنظمات ). A/64/64-E/2009/10( المعني بمجتمع المعلومات"
    assert searcher.shows_seam(line)
    fixed = fix_visual_order_line(line, "العالمي", "lm")
    assert tokens(fixed) == tokens("المعني بمجتمع المعلومات A/64/64-E/2009/10 وقد تم اختيار المنظمات")
    assert Counter(fixed.replace(" ", "")) == Counter(line.replace(" ", ""))
    # Brackets glued to what they hold and set apart from the words outside are clean text.
    assert not searcher.shows_seam("رفع مساهمة القطاع من أقل من (1%) إلى (5%) في الناتج")
    assert not searcher.shows_seam("أ. حسن سالم رئيس مجموعة الموارد البشرية(+202) 2258")


def test_a_letter_cut_from_its_word_before_a_hamza_alef_is_a_seam() -> None:
    # Seed line 416 (paragraph 28): no gap and no stray stop; only «إأن» («إ» of «إ|لى» glued to «أن»)
    # shows the seam.  No word of the news sample opens with two hamza-alefs.
    searcher = _reading_order()
    line = "لى أن العكس إأن تكون متسقة مع القانون الدولي الساري؛ ومع ذلك أُشير"
    assert searcher.shows_seam(line)
    fixed = fix_visual_order_line(line, "ينبغي", "lm")
    assert fixed.startswith("أن تكون متسقة مع القانون الدولي الساري؛ ومع ذلك أُشير")
    assert "إلى" in fixed.split() and Counter(fixed.replace(" ", "")) == Counter(line.replace(" ", ""))
    assert not searcher.shows_seam("وأكد أن الأمم المتحدة إذ تعمل على ذلك")


def test_a_proclitic_cut_from_its_word_inside_a_glued_token_is_split_off() -> None:
    # Seed line 282 (paragraph 18): «لمعالجبللسياسات» is «لمعالج» (of «لمعالج|ة»), the «ب» of «ب|بناء»
    # and «للسياسات»; a known left piece keeps its last letter («الكتاب|المجلس»).
    searcher = _reading_order()
    assert searcher.split_word("لمعالجبللسياسات") == ["لمعالج", "ب", "للسياسات"]
    assert searcher.split_word("الكتابالمجلس") == ["الكتاب", "المجلس"]
    line = "ة مختلف جوانب التنمية وحقوق  بناء القدرات لمعالجبللسياسات والاهتمام"
    fixed = fix_visual_order_line(line, "المحددة", "lm")
    assert "لمعالجة مختلف جوانب التنمية وحقوق" in fixed
    assert Counter(fixed.replace(" ", "")) == Counter(line.replace(" ", ""))


def test_a_reading_is_read_again_until_it_is_stable() -> None:
    # Seed line 96 after the previous line's cut word «الأعض»: the model's reading opens with the glued
    # comma «،تعزيز», which the rules then move to the end; the line is read again until it no longer
    # changes, so a second repair leaves it as it is.
    line = "نفيذ ـ من ت ، على قدم المساواة ،تعزیز التعاون من أجل تمكين الحكومات   "
    once = fix_visual_order_line(line, "الأعض", "lm")
    assert fix_visual_order_line(once, "الأعض", "lm") == once
    assert once.split()[-1] != "ـ" and Counter(once.replace(" ", "")) == Counter(line.replace(" ", ""))


def _clean_lines() -> list[str]:
    lines = []
    with shared_path("news-ant", "news_ant_v2.1_multisource_sample.jsonl").open(encoding="utf-8") as handle:
        for row in itertools.islice(handle, 300):
            lines += json.loads(row)["text"].split("\n")
    for path in sorted(shared_path("policy-ar").glob("*.md")):
        lines += path.read_text(encoding="utf-8").split("\n")
    return [line for line in lines if line.strip()]


def test_clean_text_is_unchanged_by_the_repair_stage() -> None:
    lines = _clean_lines()
    for start in range(0, len(lines), 200):
        text = "\n".join(lines[start : start + 200])
        # Clean text only loses tatweel and presentation forms (the stage docstring): no word moves.
        unordered = PdfArtefactRepair(fix_visual_order=False).fit(text).repair(text)
        assert PdfArtefactRepair(visual_order_method="lm").fit(text).repair(text) == unordered


def test_the_search_leaves_clean_lines_in_order() -> None:
    # The search on its own (its own seam gate only): measured 0 of 6,815 news + policy lines reordered.
    searcher = _reading_order()
    lines = _clean_lines()
    moved = sum(searcher.reorder(line)[1] > 0 for line in lines)
    assert moved <= len(lines) * 0.001


_PIECES = st.sampled_from(
    [
        "التعاون",
        "الدولي",
        "آليات",
        "التع",
        "اون",
        "لمعالج",
        "ة",
        "،",
        ".",
        "/",
        "2010",
        "2 / 2010",
        "(1)",
        "الان",
        "تباه",
    ]
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_PIECES, st.sampled_from(["", " ", "  ", "     "])), min_size=1, max_size=12))
def test_reordering_keeps_every_letter(parts: list[tuple[str, str]]) -> None:
    line = "".join(piece + gap for piece, gap in parts)
    fixed = fix_visual_order_line(line, method="lm")
    assert Counter(fixed.replace(" ", "")) == Counter(line.replace(" ", ""))


def test_every_seed_line_keeps_its_characters() -> None:
    # Each line of the damaged report, read with its predecessor as context, as the repair stage does.
    context = "."
    for line in SEED.read_text(encoding="utf-8").split("\n"):
        fixed = fix_visual_order_line(line, context, "lm")
        assert Counter(fixed.replace(" ", "")) == Counter(line.replace(" ", "")), line
        context = (fixed.split() or [context])[-1]


def test_count_table_is_deterministic(tmp_path) -> None:
    texts = ["تعزيز التعاون الدولي. تعزيز التعاون", "التعاون الدولي، 2010"]
    for name in ("a", "b"):
        ngram.write(tmp_path / name, *ngram.count(texts), min_count=1)
    assert (tmp_path / "a").read_bytes() == (tmp_path / "b").read_bytes()
    model = ngram.load(tmp_path / "a")
    assert model.logp("تعزيز", "التعاون") > model.logp("الدولي", "تعزيز")


def test_kneser_ney_scores_are_probabilities(tmp_path) -> None:
    # Unpruned, the interpolated model's scores after a context sum to one over the vocabulary.
    # «العام» follows three different words, «الدولي» one word three times: both are seen three times.
    texts = ["الأمين العام", "المجلس العام", "الرأي العام", "التعاون الدولي", "التعاون الدولي", "التعاون الدولي"]
    ngram.write(tmp_path / "t", *ngram.count(texts), min_count=1)
    model = ngram.load(tmp_path / "t", smoothing="kn")
    for previous in ("الأمين", "التعاون", "العام"):
        total = sum(10 ** model.logp(previous, word) for word in model.unigrams)
        assert total == pytest.approx(1.0)
    # Without a seen context, the word with more distinct left neighbours is likelier; stupid
    # backoff, which sees only the two equal counts, cannot tell them apart.
    assert model.logp("", "الدولي") < model.logp("", "العام") - 0.1
    assert model.logp("جديد", "الدولي") < model.logp("جديد", "العام") - 0.1
    stupid = ngram.load(tmp_path / "t", smoothing="stupid")
    assert stupid.logp("", "الدولي") == stupid.logp("", "العام")


def test_an_unseen_pair_backs_off_to_its_stems(tmp_path) -> None:
    # «وعبر طائفة» is unseen, but «عبر» before «الطائفة» was seen: the pair of stems (proclitics off)
    # scores it above the unigram backoff; the plain score (the ligature context's) does not change.
    texts = ["عبر الطائفة", "عبر الطائفة", "المنظمات عبر", "وعبر الحدود", "طائفة واسعة", "طائفة واسعة"]
    ngram.write(tmp_path / "t", *ngram.count(texts), min_count=1)
    model = ngram.load(tmp_path / "t")
    conj, group, the_group, wide = (ngram.fold(word) for word in ("وعبر", "طائفة", "الطائفة", "واسعة"))
    assert ngram.stem(conj) == "عبر" and ngram.stem(the_group) == group and ngram.stem("الي") == "الي"
    assert f"{conj} {group}" not in model.bigrams
    assert model.logp_stems(conj, group) > model.logp(conj, group)
    assert model.logp_stems(conj, group) < model.logp("عبر", the_group)  # below the seen pair
    assert model.logp_stems(conj, wide) == model.logp(conj, wide)  # no pair of stems seen either
    assert model.logp_stems("عبر", the_group) == model.logp("عبر", the_group)  # a seen pair as it was
    kn = ngram.load(tmp_path / "t", smoothing="kn")
    assert kn.logp_stems(conj, group) == kn.logp(conj, group)  # stupid backoff only
