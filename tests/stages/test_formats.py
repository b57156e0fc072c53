"""Readers of HTML, .docx and Markdown (pipeline.stages.formats): structure kept, no text dropped."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.stages.formats import docx_text, html_text, markdown_text
from pipeline.stages.ingest import FileIngestor

WORDS = ["حماية", "البيانات", "الأمن", "السيبراني", "الحكومة", "التنمية", "المجتمع", "المدني"]


def test_html_text_in_any_block_element_is_read():
    page = (
        "<html><body><div>ودعت منظمات المجتمع المدني إلى حماية الخصوصية.</div>"
        "<section>وقال الوزير إن الحكومة <b>ستطلق</b> برنامجا <a href='#'>وطنيا</a>.<p>فقرة داخلية.</p>ذيل القسم.</section>"
        "<nav>القائمة الرئيسية</nav><!-- تعليق داخلي --><script>var x = 'نص';</script></body></html>"
    )
    blocks = html_text(page.encode(), "page.html").split("\n\n")
    assert blocks == [
        "ودعت منظمات المجتمع المدني إلى حماية الخصوصية.",
        "وقال الوزير إن الحكومة ستطلق برنامجا وطنيا.",
        "فقرة داخلية.",
        "ذيل القسم.",
    ]


def test_html_headings_lists_and_tables_keep_their_structure():
    page = (
        "<h2>السياسة الوطنية</h2><ul><li>تطوير التشريعات</li><li>دعم البحث</li></ul>"
        "<table><tr><th>المؤشر</th><th>2020</th></tr><tr><td>انتشار الإنترنت</td><td>70</td></tr></table>"
        "<table><tr><td><p>نص في جدول تخطيط.</p><p>فقرة ثانية.</p></td></tr></table>"
    )
    assert html_text(page.encode(), "p.html").split("\n\n") == [
        "## السياسة الوطنية",
        "- تطوير التشريعات",
        "- دعم البحث",
        "| المؤشر | 2020 |\n|---|---|\n| انتشار الإنترنت | 70 |",  # a first row of <th>: the marked header
        "نص في جدول تخطيط.",
        "فقرة ثانية.",
    ]


def test_html_banner_keeps_the_page_title_heading_and_an_article_header_is_read_in_place():
    page = (
        "<body><header><a href='/'>الشعار</a><nav>القائمة</nav><h1>سياسة البيانات</h1></header>"
        "<p>فقرة أولى.</p><article><header><h2>عنوان المقال</h2><span>2024</span></header>"
        "<p>نص المقال.</p></article><footer>الحقوق</footer></body>"
    )
    assert html_text(page.encode(), "p.html").split("\n\n") == [
        "# سياسة البيانات",  # the only <h1> sits in the banner: kept, the logo and menu are not
        "فقرة أولى.",
        "## عنوان المقال",
        "2024",
        "نص المقال.",
    ]
    # an <h1> outside the banner is the page's title: the banner's own heading is site chrome
    page = "<body><header><h1>اسم الموقع</h1></header><main><h1>العنوان</h1><p>نص.</p></main></body>"
    assert html_text(page.encode(), "p.html").split("\n\n") == ["# العنوان", "نص."]


def test_html_deeply_nested_page_does_not_recurse():
    page = "<div>" * 3000 + "نص عميق" + "</div>" * 3000
    assert html_text(page.encode(), "deep.html") == "نص عميق"


TAGS = ["div", "p", "section", "span", "b", "li", "h3", "article", "td"]


@st.composite
def html_trees(draw, depth=0):
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        if depth < 4 and draw(st.booleans()):
            tag = draw(st.sampled_from(TAGS))
            inner, words = draw(html_trees(depth=depth + 1))
            parts.append((f"<{tag}>{inner}</{tag}>", words))
        else:
            chosen = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3))
            parts.append((" " + " ".join(chosen) + " ", chosen))
    return "".join(p for p, _ in parts), [w for _, ws in parts for w in ws]


@settings(max_examples=150, deadline=None)
@given(html_trees())
def test_html_every_word_is_read_once(tree):
    page, words = tree
    out = html_text(f"<html><body>{page}</body></html>".encode(), "h.html")
    read = [w for w in out.replace("#", " ").replace("- ", " ").replace("|", " ").split() if w in WORDS]
    assert sorted(read) == sorted(words)


def test_docx_layout_table_is_read_as_paragraphs_and_data_tables_as_rows(tmp_path: Path):
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.add_heading("مذكرة سياسات", level=1)
    box = document.add_table(rows=1, cols=1).cell(0, 0)
    box.paragraphs[0].text = "تؤكد الوزارة أن حماية البيانات الشخصية أولوية وطنية."
    box.add_paragraph("وقالت منظمات المجتمع المدني إن القانون يحتاج إلى هيئة مستقلة.")
    data = document.add_table(rows=2, cols=2)
    for (r, c), text in {(0, 0): "المؤشر", (0, 1): "2023", (1, 0): "انتشار الإنترنت", (1, 1): "85"}.items():
        data.cell(r, c).text = text
    path = tmp_path / "memo.docx"
    document.save(str(path))
    assert docx_text(path).split("\n\n") == [
        "# مذكرة سياسات",
        "تؤكد الوزارة أن حماية البيانات الشخصية أولوية وطنية.",
        "وقالت منظمات المجتمع المدني إن القانون يحتاج إلى هيئة مستقلة.",
        "| المؤشر | 2023 |\n| انتشار الإنترنت | 85 |",
    ]


BRIEF = """---
title: "موجز سياسات"
date: 2024-05-01
---
# موجز سياسات: حوكمة البيانات

<!-- ملاحظة داخلية: لا تنشر -->
![شعار الوزارة](logo.png)

تسعى الحكومة إلى تحديث **إطار حوكمة البيانات**[^1] بما يوازن بين [الابتكار](https://example.org/x)
وحماية الخصوصية.

* حماية البيانات الشخصية
* تشجيع تبادل البيانات المفتوحة

| المؤشر | 2023 |
|---|---|
| انتشار الإنترنت | 85 |

[^1]: انظر القرار الوزاري رقم 12 لسنة 2023.
"""


def test_markdown_markup_is_not_text_and_front_matter_is_metadata():
    text, meta = markdown_text(BRIEF)
    assert meta == {"title": "موجز سياسات", "date": "2024-05-01"}
    assert text.split("\n\n") == [
        "# موجز سياسات: حوكمة البيانات",
        "تسعى الحكومة إلى تحديث إطار حوكمة البيانات بما يوازن بين الابتكار\nوحماية الخصوصية.",
        "- حماية البيانات الشخصية\n- تشجيع تبادل البيانات المفتوحة",
        "| المؤشر | 2023 |\n|---|---|\n| انتشار الإنترنت | 85 |",
        "انظر القرار الوزاري رقم 12 لسنة 2023.",
    ]
    for markup in ("<!--", "![", "](", "[^1]", "**", "---\ntitle", "date:"):
        assert markup not in text


def test_markdown_front_matter_that_is_not_a_mapping_stays_text():
    text, meta = markdown_text("---\nنص عادي بين خطين\n---\nفقرة.\n")
    assert meta == {} and "نص عادي بين خطين" in text


def test_ingest_reads_markdown_metadata_and_the_metadata_file_wins(tmp_path: Path):
    (tmp_path / "brief.md").write_text(BRIEF, encoding="utf-8")
    (tmp_path / "metadata.yaml").write_text("brief.md:\n  title: عنوان من الملف\n", encoding="utf-8")
    document = FileIngestor(root=str(tmp_path)).read(tmp_path / "brief.md")
    assert document.meta["title"] == "عنوان من الملف" and str(document.meta["date"]) == "2024-05-01"
    assert "logo.png" not in document.text and "ملاحظة داخلية" not in document.text


@pytest.mark.parametrize(
    "data",
    [
        '<html><head><meta charset="windows-1256"></head><body><p>نص عربي من صفحة قديمة</p></body></html>'.encode(
            "cp1256"
        ),
        '<meta http-equiv="Content-Type" content="text/html; charset=windows-1256"><p>نص عربي من صفحة قديمة</p>'.encode(
            "cp1256"
        ),
        "<p>نص عربي من صفحة قديمة</p>".encode("utf-16"),
        "<p>نص عربي من صفحة قديمة</p>".encode("cp1256"),  # no declaration: guessed as for text files
    ],
)
def test_html_in_any_common_encoding_is_read(data: bytes):
    assert html_text(data, "old.html") == "نص عربي من صفحة قديمة"


def test_table_cells_keep_their_lines_marked_headers_and_captions():
    page = (
        "<table><caption>جدول 1: مؤشرات الأداء</caption><thead><tr><td>المؤشر</td><td>2022</td></tr></thead>"
        "<tr><td>الإيرادات</td><td>10<br>20</td></tr><tr><td><p>أ</p><p>ب</p></td><td>30</td></tr></table>"
        "<div hidden>نص مخفي</div><div style='display: none'>نص مخفي</div><div role='navigation'>القائمة</div>"
    )
    assert html_text(page.encode(), "t.html").split("\n\n") == [
        "Table: جدول 1: مؤشرات الأداء",  # pandoc's caption form: the structure stage makes it the title
        "| المؤشر | 2022 |\n|---|---|\n| الإيرادات | 10<br>20 |\n| أ<br>ب | 30 |",
    ]
    text, _ = markdown_text("| المؤشر | 2022 |\n|---|---|\n| الإيرادات | 10<br>20 |\n\nنص<br>سطر\n")
    assert text == "| المؤشر | 2022 |\n|---|---|\n| الإيرادات | 10<br>20 |\n\nنص\nسطر"


def test_two_values_in_a_cell_are_never_one_number():
    from pipeline.stages.structure.general import split_general
    from pipeline.stages.structure.tables import parse_number as _parse_number

    assert [_parse_number(x) for x in ("1020", "10\n20", "10 20", "1 250 000", "1,250", "12,5", "٣٥")] == [
        1020, None, None, 1250000, 1250, None, 35,
    ]  # fmt: skip
    _, tables, _ = split_general("t", "| المؤشر | 2022 | 2023 |\n|---|---|---|\n| الإيرادات | 10<br>20 | 5 |")
    assert tables[0].columns == ["2022", "2023"] and tables[0].rows[0].values == [None, 5]
    assert "cells holding several numbers, not read as a value: الإيرادات: 10 / 20" in tables[0].flags


def test_docx_list_items_are_items_and_cell_paragraphs_stay_apart(tmp_path: Path):
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.add_paragraph("رفع جودة التعليم الأساسي", style="List Bullet")
    document.add_paragraph("تدريب المعلمين", style="List Number")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "الإيرادات"
    table.cell(0, 1).paragraphs[0].text = "100"
    table.cell(0, 1).add_paragraph("200")
    document.save(str(tmp_path / "plan.docx"))
    assert docx_text(tmp_path / "plan.docx").split("\n\n") == [
        "- رفع جودة التعليم الأساسي",
        "- تدريب المعلمين",
        "| الإيرادات | 100<br>200 |",
    ]


def test_a_list_item_holding_a_paragraph_is_still_an_item():
    page = "<ul><li><p>البنية التحتية للاتصالات</p></li><li>التعليم الرقمي</li></ul><p>فقرة بعد القائمة.</p>"
    assert html_text(page.encode(), "l.html").split("\n\n") == [
        "- البنية التحتية للاتصالات",
        "- التعليم الرقمي",
        "فقرة بعد القائمة.",
    ]


def test_front_matter_with_yaml_aliases_is_not_expanded():
    """A corpus document is untrusted: its front matter is read with the project's bounded loader."""
    bomb = "---\na: &a [x, x, x, x, x, x, x, x]\nb: [*a, *a, *a, *a, *a, *a, *a, *a]\n---\nنص الوثيقة.\n"
    text, meta = markdown_text(bomb)
    assert meta == {} and "نص الوثيقة." in text and text.count("x") == 8  # as written, not expanded


def test_html_title_and_charset_and_docx_properties_become_document_metadata(tmp_path: Path):
    page = '<html><head><meta charset="windows-1256"><title> استراتيجية\n التحول </title></head><body><p>نص الصفحة</p></body></html>'
    (tmp_path / "page.html").write_bytes(page.encode("cp1256"))
    ingest = FileIngestor(root=str(tmp_path))
    document = ingest.read(tmp_path / "page.html")
    assert document.encoding == "html:cp1256" and document.meta == {"title": "استراتيجية التحول"}
    assert "استراتيجية" not in document.text  # the title is metadata, not a paragraph
    import docx

    report = docx.Document()
    report.core_properties.title = "تقرير الخصوصية"
    report.core_properties.author = "وزارة الاتصالات"
    report.add_paragraph("تحمي الوزارة البيانات الشخصية.")
    report.save(str(tmp_path / "report.docx"))
    assert ingest.read(tmp_path / "report.docx").meta == {"title": "تقرير الخصوصية", "author": "وزارة الاتصالات"}
    (tmp_path / "metadata.yaml").write_text("page.html:\n  title: عنوان من الملف\n", encoding="utf-8")
    assert FileIngestor(root=str(tmp_path)).read(tmp_path / "page.html").meta["title"] == "عنوان من الملف"


def test_markdown_text_under_a_rule_line_is_a_heading_only_when_it_is_a_short_title():
    """CommonMark makes a paragraph a (setext) heading when a rule line follows it: scraped pages put
    «=====» under prose and «---» under «**URL:** https://...».  Only a short title line stays a heading;
    an empty «### » marks nothing after it."""
    prose = "د.ناصر علي الهتلان القحطانيدكتوراة في الإدارة العامة من جامعة فيرجينيا " * 4
    page = (
        f"### د.ناصر علي الهتلان القحطاني\n{prose}\n" + "=" * 70 + "\n"
        "## المدير العام\n**URL:** https://www.arado.org/Content/Details?s3=10511\n---\n\n"
        "أولا. الرؤية:\n---\n\nالأهداف الاستراتيجية\n---\n\nما دور المنظمة؟\n===\n\n"
        "سطر أول\nسطر ثان\n===\n\n### \n\nفقرة بعد عنوان فارغ."
    )
    assert markdown_text(page)[0].split("\n\n") == [
        "### د.ناصر علي الهتلان القحطاني",
        prose.strip(),
        "## المدير العام",
        "URL: https://www.arado.org/Content/Details?s3=10511",
        "أولا. الرؤية:",
        "## الأهداف الاستراتيجية",
        "# ما دور المنظمة؟",
        "سطر أول\nسطر ثان",
        "فقرة بعد عنوان فارغ.",
    ]


def test_a_damaged_or_renamed_docx_is_one_line_saying_what_it_is(tmp_path: Path):
    from pipeline.errors import InputError

    renamed = tmp_path / "notes.docx"
    renamed.write_text("نص عادي حفظ باسم خاطئ", encoding="utf-8")
    with pytest.raises(InputError, match=r"notes\.docx.*not a \.docx: not a zip package \(truncated"):
        docx_text(renamed)
    import docx

    whole = tmp_path / "whole.docx"
    document = docx.Document()
    document.add_paragraph("فقرة كاملة.")
    document.save(str(whole))
    cut = tmp_path / "cut.docx"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])  # a download cut in half
    with pytest.raises(InputError, match=r"cut\.docx.*not a \.docx: not a zip package"):
        docx_text(cut)


def test_docx_tracked_insertions_count_deletions_do_not_and_text_boxes_are_read(tmp_path):
    """New-user trial: a clause inserted with Word's track changes was dropped (python-docx's
    ``Paragraph.text`` reads only direct runs) and a text box vanished, without a warning."""
    import docx
    from docx.oxml import parse_xml

    from pipeline.stages.formats import docx_text

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    document = docx.Document()
    paragraph = document.add_paragraph("أكدت الوزارة أن ")
    paragraph._p.append(parse_xml(f'<w:ins {w} w:id="1" w:author="x"><w:r><w:t>الخطة ستطبق</w:t></w:r></w:ins>'))
    paragraph._p.append(parse_xml(f'<w:del {w} w:id="2" w:author="x"><w:r><w:delText>قريبا</w:delText></w:r></w:del>'))
    paragraph.add_run(" اعتبارا من العام المقبل.")
    boxed = document.add_paragraph()
    boxed._p.append(
        parse_xml(
            f'<w:r {w}><w:pict><v:shape xmlns:v="urn:schemas-microsoft-com:vml"><v:textbox><w:txbxContent>'
            "<w:p><w:r><w:t>إطار جانبي: نسبة البطالة ثلاثون في المئة.</w:t></w:r></w:p>"
            "</w:txbxContent></v:textbox></v:shape></w:pict></w:r>"
        )
    )
    document.add_paragraph("فقرة أخيرة.")
    document.save(tmp_path / "tracked.docx")
    assert docx_text(tmp_path / "tracked.docx").split("\n\n") == [
        "أكدت الوزارة أن الخطة ستطبق اعتبارا من العام المقبل.",
        "إطار جانبي: نسبة البطالة ثلاثون في المئة.",
        "فقرة أخيرة.",
    ]


def test_a_news_pages_widgets_inside_its_article_are_chrome_and_its_byline_is_the_author():
    """New-user trial: breadcrumb, byline, share buttons, «اقرأ أيضاً», tags and comments inside <main> were
    read as headings and paragraphs (the share line became the section of the article's paragraphs)."""
    page = (
        "<main><div class='breadcrumb'><a>الرئيسية</a> › <a>اقتصاد</a></div><article><h1>قانون البيانات</h1>"
        "<div class='byline'>بقلم: سارة أحمد</div><div class='share-buttons'><a>فيسبوك</a> <a>تويتر</a></div>"
        "<p>أقر مجلس الوزراء مشروع القانون.</p><div class='related'>اقرأ أيضاً: <a>خبر آخر</a></div>"
        "<p>ورحبت منظمات المجتمع المدني بالقانون.</p><div class='tags'>الوسوم: <a>البيانات</a></div></article>"
        "<section id='comments'><h3>التعليقات</h3><p>تعليق: قانون ممتاز!</p></section></main>"
    )
    info: dict[str, str] = {}
    assert html_text(page.encode(), "n.html", info).split("\n\n") == [
        "# قانون البيانات",
        "أقر مجلس الوزراء مشروع القانون.",
        "ورحبت منظمات المجتمع المدني بالقانون.",
    ]
    assert info["author"] == "بقلم: سارة أحمد"
