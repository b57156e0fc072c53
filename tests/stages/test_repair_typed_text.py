"""Seed-glyph damage on text typed in reading order: what the author wrote and the damage did not touch
stays as written (issue 13: the errors of the simulation on news and SDG, by kind)."""

from __future__ import annotations

from pipeline.stages.repair.pdf_artefacts import PdfArtefactRepair, repair_text


def test_glued_words_are_split_only_in_a_document_that_shows_visual_order() -> None:
    # A source's own glued words (menu items run together, «مساءالسبت») are as the author typed them
    # when no line shows the layout damage that glues words across a column gap.
    typed = "وأآѧѧدت الوزارة أن المنحةبالإضافة إلى الجلسةالسابقة\nتعزیز التعاون"
    assert repair_text(typed) == "وأكدت الوزارة أن المنحةبالإضافة إلى الجلسةالسابقة\nتعزيز التعاون"
    # The same words in a document one line of which shows visual order (a stop printed at its left).
    visual = ". یتفق مع الإجراءات\n" + typed
    assert repair_text(visual).split("\n")[1] == "وأكدت الوزارة أن المنحة بالإضافة إلى الجلسة السابقة"
    repairer = PdfArtefactRepair().fit(typed)
    assert repairer.repair(typed) == repair_text(typed)  # fitted or not, the caches agree
    assert repairer.counts["split_glued_words"] == 0


def test_a_damaged_kaf_prefix_keeps_its_orthographic_tatweel() -> None:
    # «كـ"قلب"», «كـ 193»: the prefix kaf in the seed font's initial form is «آ»; its tatweel is
    # orthography, as in clean text, and the «آ» before it joined: a kaf.
    assert repair_text('تعزیز آـ"قلب" آـ 193 آـ COVID') == 'تعزيز كـ"قلب" كـ 193 كـ COVID'
    assert repair_text('تعزیز كـ"قلب" كـ 193') == 'تعزيز كـ"قلب" كـ 193'
    assert repair_text("تعزیز آѧѧانت") == "تعزيز كانت"
