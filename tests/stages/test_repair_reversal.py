"""Whole lines in display order: numbers, Latin, brackets, marks and short lines put back in order.

The display order comes from python-bidi's ``get_display`` (the Unicode bidirectional algorithm),
an implementation independent of repair's own :func:`calibrate.reverse_line`.
"""

from __future__ import annotations

import pytest
from bidi.algorithm import get_display

from pipeline.evaluate.repair import evaluate, simulate_line_reversal, visual_order
from pipeline.stages.repair import calibrate
from pipeline.stages.repair.pdf_artefacts import PdfArtefactRepair
from tests.stages.test_repair import news_sample


@pytest.mark.parametrize(
    "line",
    [
        "قرار الجمعية العامة (2008) الصادر",  # brackets drawn mirrored at right-to-left level
        "منظمة الصحة العالمية (WHO) و United Nations في 2024",  # a Latin phrase keeps its word order
        "نسبة 3.5% من المؤشر [1] في التقرير",
        "وفقا للقرار 63/202 (2008) الصادر عن الجمعية",
        "ارتفعت الإصابات بمرض COVID-19 في 18 دولة",
        "من 10-20 يوما",  # two numbers: each its own run
        "قالت «الحكومات» إن الأمر مهم",
        "تاليف: ماثيو ووكر WHY WE SLEEP: Unlocking the Power الناشر: Polity Press, 2017",  # N1 inside Latin
        "من خلال الرابط https://mci.gov.sa/MP. وذلك",
    ],
)
def test_a_displayed_line_comes_back_in_logical_order(line: str) -> None:
    assert calibrate.reverse_line(get_display(line, base_dir="R")) == line


def test_mark_convention_is_read_from_the_reversed_lines() -> None:
    # A reversed string keeps the marks after their letters: «حجماً» ends in its tanween.
    assert calibrate.mark_convention([calibrate._reverse_keeping_ltr(get_display("كان حجماً كبيراً"))]) == "reversed"
    # A content stream in display order writes each mark after its letter: «وَقال» comes out «َوقال».
    stream = simulate_line_reversal("وَقال الرئيس")
    assert calibrate.mark_convention([calibrate._reverse_keeping_ltr(stream)]) == "stream"
    assert calibrate.reverse_line(stream) == "وَقال الرئيس"
    assert calibrate.mark_convention(["بلا حركات"]) is None


def test_the_document_decides_the_mark_convention_for_lines_without_evidence() -> None:
    # Only the first line shows which way the marks go; the shadda of «تميّز» alone would not.
    lines = ["وصل المسافرون أخيراً إلى المدينة الكبيرة", "أراد أن تميّز الفرق المشاركة في المسابقة"]
    displayed = "\n".join(get_display(line, base_dir="R") for line in lines)
    repairer = PdfArtefactRepair().fit(displayed)
    assert repairer.profile["line_reversal"]["marks"] == "reversed"
    assert repairer.repair(displayed).split("\n") == lines


def test_lines_reversed_as_whole_strings_get_their_numbers_back_in_order_too() -> None:
    """A tool that reversed each line as a string reversed its numbers too («2019» -> «9102»): the
    years and Latin words of the document tell it from a display's order, which keeps them."""
    lines = [
        "بلغ الناتج المحلي 1.4 تريليون ريال في عام 2019 وفق تقرير البنك الدولي.",
        "وتوقع صندوق النقد (IMF) نموا بنسبة 2.5% في عام 2020 مقابل (1.85 مليار) دولار.",
    ]
    reversed_strings = "\n".join(line[::-1] for line in lines)
    repairer = PdfArtefactRepair().fit(reversed_strings)
    assert repairer.profile["line_reversal"]["ltr"] == "reversed"
    assert repairer.repair(reversed_strings).split("\n") == lines
    displayed = "\n".join(get_display(line, base_dir="R") for line in lines)
    shown = PdfArtefactRepair().fit(displayed)
    assert shown.profile["line_reversal"]["ltr"] == "kept" and shown.repair(displayed).split("\n") == lines
    assert calibrate.ltr_convention(["بلا أرقام ولا لاتينية"]) is None


def test_one_word_lines_are_checked_in_a_document_with_reversed_lines() -> None:
    lines = ["مقدمة", "أكدت الحكومات أهمية تعزيز التعاون الدولي في مجال الأمن السيبراني", "الخلاصة"]
    displayed = "\n".join(line[::-1] for line in lines)
    assert PdfArtefactRepair().fit(displayed).repair(displayed).split("\n") == lines
    # Alone, a one-word line is no evidence of reversal: «ةمدقم» stays as it is.
    assert PdfArtefactRepair().fit("ةمدقم").repair("ةمدقم") == "ةمدقم"


def test_displayed_news_with_numbers_latin_and_brackets_is_put_back() -> None:
    documents = news_sample(40)
    score = evaluate(documents, "visual_lines", mixed=True)
    assert score.before / score.words < 0.6 and score.accuracy > 0.995, score.accuracy
    assert score.invented == 0
    assert visual_order("كلمة عربية", rate=0.0) == "كلمة عربية"
