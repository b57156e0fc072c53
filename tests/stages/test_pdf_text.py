"""Tests for pipeline.stages.pdf_text: logical-order extraction from visual-order Arabic PDFs."""

from __future__ import annotations

import re
import unicodedata
from types import SimpleNamespace

import pytest

from pipeline.errors import InputError
from pipeline.stages.pdf_text import _compose, _Glyph, extract_pdf_text
from tests.conftest import shared_path
from tests.fixtures.make_pdfs import make_arabic_pdf, make_blank_pdf, make_image_only_pdf, visual_line

POLICY_LINES = [
    "تهدف الاستراتيجية الوطنية إلى تطوير التعليم",
    "ولا بد من الإصلاح الإداري لأن الآراء تختلف",
    "الأمن الغذائي والمائي لإصلاح القطاع",
    "إنّ الصحّة أولويةٌ للجميع",
]


def test_arabic_lines_round_trip_exactly(tmp_path):
    pdf = make_arabic_pdf(tmp_path / "policy.pdf", [POLICY_LINES])
    assert extract_pdf_text(pdf) == "\n".join(POLICY_LINES)


def test_output_has_no_presentation_forms(tmp_path):
    pdf = make_arabic_pdf(tmp_path / "policy.pdf", [POLICY_LINES])
    text = extract_pdf_text(pdf)
    assert not [char for char in text if 0xFB50 <= ord(char) <= 0xFDFF or 0xFE70 <= ord(char) <= 0xFEFF]


@pytest.mark.parametrize(
    ("word", "expected"),
    [("لا", "لا"), ("لأن", "لأن"), ("لإصلاح", "لإصلاح"), ("الآن", "الآن"), ("سلام", "سلام")],
)
def test_lam_alef_ligatures_fold_to_logical_letters(tmp_path, word, expected):
    pdf = make_arabic_pdf(tmp_path / "lamalef.pdf", [[word]])
    assert extract_pdf_text(pdf) == expected


@pytest.mark.parametrize(
    "line",
    [
        "بلغت نسبة النمو 3.5% في عام 2030 حسب تقرير IMF World Outlook",
        "الفقرة (ب) من المادة 12، والصفحات 10-20",
        "المرحلة [الأولى] «مهمة» ٢٠٣٠ و١٢٫٥",
        "Annual Report 2023",
    ],
)
def test_mixed_arabic_digits_latin_line_round_trips(tmp_path, line):
    pdf = make_arabic_pdf(tmp_path / "mixed.pdf", [[line]])
    assert extract_pdf_text(pdf) == line


def test_ambiguous_mixed_line_is_visually_equivalent(tmp_path):
    # "رؤية 2030 Vision" and "رؤية Vision 2030" are drawn identically; either reading is faithful.
    # On an Arabic page the line is read right to left.
    line = "رؤية 2030 Vision"
    pdf = make_arabic_pdf(tmp_path / "ambiguous.pdf", [[POLICY_LINES[0], line]])
    text = extract_pdf_text(pdf).split("\n")[1]
    assert visual_line(text) == visual_line(line)
    assert sorted(text.split()) == sorted(line.split())


def test_latin_page_stays_left_to_right(tmp_path):
    lines = ["Annual policy report 2023", "Section 4.2: water (and energy) targets"]
    pdf = make_arabic_pdf(tmp_path / "english.pdf", [lines])
    assert extract_pdf_text(pdf) == "\n".join(lines)


@pytest.mark.parametrize(
    ("skeleton", "glyph_name", "box", "marks", "expected"),
    [
        # Cases seen in the Saudi Vision 2030 PDF (Myriad Arabic via InDesign): a dotless ligature
        # skeleton, its x-range in points, and the zero-width dot glyphs drawn over or under it.
        ("ڡى", "uni06A10649", (118.5, 124.5), [(122.3, "above1"), (120.0, "below2")], "في"),
        ("ىى", "uni06490649.f", (248.6, 256.0), [(251.7, "below2"), (254.2, "above2")], "تي"),
        ("ىى", "uni06490649.f", (121.2, 128.6), [(122.5, "hamza_above"), (127.5, "below2")], "يئ"),
        ("ىى", "uni06490649", (150.2, 156.2), [(153.3, "below2"), (154.0, "hamza_above")], "ئي"),
        ("ىں", "uni064906BA.f", (489.4, 497.2), [(491.8, "above1"), (495.8, "below2")], "ين"),
        ("ىر", "uni06490631.f", (113.7, 120.2), [(118.6, "above2")], "تر"),
        ("سر", "uni06330631.f", (500.2, 509.7), [(507.0, "above3")], "شر"),
        ("لى", "uni06440649.f", (361.3, 367.4), [], "لى"),
    ],
)
def test_dot_glyphs_complete_dotless_ligatures(skeleton, glyph_name, box, marks, expected):
    glyph = _Glyph(skeleton, [(x, kind, True) for x, kind in marks])
    char = SimpleNamespace(glyph=glyph, glyph_name=glyph_name, x0=box[0], x1=box[1])
    assert _compose(char) == expected


def test_pages_are_separated_by_form_feed(tmp_path):
    pages = [["الصفحة الأولى"], ["الصفحة الثانية", "سطر آخر"], ["الصفحة الثالثة"]]
    pdf = make_arabic_pdf(tmp_path / "pages.pdf", pages)
    assert extract_pdf_text(pdf).split("\f") == ["\n".join(lines) for lines in pages]


def test_blank_page_keeps_its_page_break(tmp_path):
    pdf = make_arabic_pdf(tmp_path / "gap.pdf", [["قبل"], [], ["بعد"]])
    assert extract_pdf_text(pdf) == "قبل\f\fبعد"


def test_image_only_pdf_has_no_text_layer(tmp_path):
    pdf = make_image_only_pdf(tmp_path / "scan.pdf")
    with pytest.raises(InputError, match=r"scan\.pdf: PDF has no text layer \(scanned\?\); run OCR first"):
        extract_pdf_text(pdf)


def test_blank_pdf_has_no_text_layer(tmp_path):
    pdf = make_blank_pdf(tmp_path / "blank.pdf")
    with pytest.raises(InputError, match="no text layer"):
        extract_pdf_text(pdf)


def test_truncated_pdf_is_unreadable(tmp_path):
    whole = make_arabic_pdf(tmp_path / "whole.pdf", [POLICY_LINES]).read_bytes()
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(whole[: len(whole) // 3])
    with pytest.raises(InputError, match=r"truncated\.pdf: "):
        extract_pdf_text(truncated)


def test_garbage_with_pdf_header_is_unreadable(tmp_path):
    garbage = tmp_path / "garbage.pdf"
    garbage.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 20)
    with pytest.raises(InputError, match=r"garbage\.pdf: unreadable PDF"):
        extract_pdf_text(garbage)


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "file is empty"), (b"\x00\x01\x02binary\xff" * 50, "not a PDF"), ("نص عادي".encode(), "not a PDF")],
)
def test_non_pdf_files_are_rejected_with_reason(tmp_path, content, reason):
    path = tmp_path / "input.pdf"
    path.write_bytes(content)
    with pytest.raises(InputError, match=re.escape(f"{path}: {reason}")):
        extract_pdf_text(path)


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        extract_pdf_text(tmp_path / "absent.pdf")


def test_encrypted_pdf_is_reported(tmp_path):
    pdf = make_arabic_pdf(tmp_path / "locked.pdf", [POLICY_LINES], encrypt_password="secret")
    with pytest.raises(InputError, match=r"locked\.pdf: PDF is encrypted"):
        extract_pdf_text(pdf)


def test_error_messages_are_one_line(tmp_path):
    garbage = tmp_path / "garbage.pdf"
    garbage.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n")
    with pytest.raises(InputError) as caught:
        extract_pdf_text(garbage)
    assert "\n" not in str(caught.value)


@pytest.mark.slow
def test_saudi_vision_pdf_yields_known_arabic_words():
    from wordfreq import zipf_frequency

    text = extract_pdf_text(shared_path("pdf", "saudi_vision2030_ar.pdf"))
    plain = "".join(char for char in text if not unicodedata.combining(char))
    tokens = re.findall(r"[\u0621-\u063A\u0641-\u064A]+", plain)
    assert len(tokens) > 5000
    known = sum(zipf_frequency(token, "ar") > 0 for token in tokens)
    assert known / len(tokens) >= 0.90
    assert text.count("\f") == 80  # 81 pages
    assert "رؤية" in text and "المملكة العربية السعودية" in text


@pytest.mark.parametrize("logical_brackets", [False, True])
def test_a_lone_bracket_follows_what_its_font_showed_on_earlier_lines(tmp_path, logical_brackets):
    # A line with one bracket of a pair that spans lines cannot show whether its font stores the
    # mirrored glyph (ReportLab) or the logical character (HarfBuzz-based producers): the lines
    # before it, in the same font, can.
    lines = ["الفقرة (أ) من المادة [5] تنص على ذلك", "وتبدأ الجملة الطويلة (التي تستمر", "في السطر التالي) وتنتهي هنا"]
    pdf = make_arabic_pdf(tmp_path / "brackets.pdf", [lines], logical_brackets=logical_brackets)
    assert extract_pdf_text(pdf).split("\n") == lines
