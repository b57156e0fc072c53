"""Document structure on the seed (A/66/77) and on small synthetic layouts."""

from __future__ import annotations

import functools
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.records import Document
from pipeline.stages.structure import UnDocumentStructure, split_table_row, unrotate_label, validate_table


@pytest.fixture(scope="module")
def seed_structure(seed_text: str):
    doc = Document("A-66-77", "seed.txt", seed_text, "utf-8", "0")
    return UnDocumentStructure().split(doc)


def by_number(structure, number: int):
    return next(u for u in structure.units if u.kind == "paragraph" and u.number == number)


def test_39_numbered_paragraphs_in_order(seed_structure) -> None:
    numbers = [u.number for u in seed_structure.units if u.kind == "paragraph"]
    assert numbers == list(range(1, 40))


def test_unit_kinds_of_the_seed(seed_structure) -> None:
    kinds = Counter(u.kind for u in seed_structure.units)
    assert kinds["footnote"] == 4
    assert kinds["summary"] == 2
    assert kinds["heading"] == 5
    assert kinds["table"] == 1
    assert kinds["front"] >= 3
    # document order: front, then summary, then the first heading, then paragraph 1
    order = [u.kind for u in seed_structure.units]
    assert order.index("summary") > order.index("front")
    assert order.index("heading") > max(i for i, k in enumerate(order) if k == "summary")


def test_numbers_are_removed_from_paragraph_text(seed_structure) -> None:
    first = by_number(seed_structure, 1)
    assert first.raw.splitlines()[0].rstrip().endswith("في")  # «... في    - 1» lost its «- 1»
    assert "- 1" not in first.text
    fourteen = by_number(seed_structure, 14)
    assert not fourteen.raw.lstrip().startswith("14")


def test_a_number_taken_off_the_visual_end_is_recorded_for_repair(seed_structure) -> None:
    # 37 of the 39 numbers were printed last on their line («... في    - 1»): evidence that the line
    # runs left to right, which repair can no longer see once the number is gone.
    paragraphs = [u for u in seed_structure.units if u.kind == "paragraph"]
    assert by_number(seed_structure, 1).visual_lines == (0,)
    assert [u.number for u in paragraphs if not u.visual_lines] == [14, 16]  # «14 - ...»: logical
    assert all(u.visual_lines == () for u in seed_structure.units if u.kind != "paragraph")


def test_headings_are_in_logical_order_and_sections_point_to_them(seed_structure) -> None:
    headings = [u for u in seed_structure.units if u.kind == "heading"]
    assert headings[0].text == "أولا - معلومات أساسية"
    assert headings[-1].text == "خامسا - دور الأمين العام"
    assert headings[1].text.startswith("ثانيا - تنظيم المشاورات")
    assert by_number(seed_structure, 1).section == headings[0].unit_id
    assert by_number(seed_structure, 39).section == headings[4].unit_id
    assert by_number(seed_structure, 20).section == headings[3].unit_id


def test_footnotes_are_units_and_interrupted_paragraphs_are_joined(seed_structure) -> None:
    notes = [u for u in seed_structure.units if u.kind == "footnote"]
    assert [n.number for n in notes] == [1, 2, 3, 4]
    assert "A/60/687" in notes[0].text
    assert "wsisfollowup" in notes[2].text
    assert "www.itu.int/wsis" in notes[3].text
    # paragraph 4 continues after footnote 1 (page break) and ends with «2006»
    four = by_number(seed_structure, 4)
    assert "المستشار الخاص" in four.text and "2006" in four.text
    assert "A/60/687" not in four.text
    # paragraph 7 continues after footnote 2 and ends with «هذه المسألة»
    seven = by_number(seed_structure, 7)
    assert "هذه المسألة" in seven.text.replace("\u0467", "")
    assert "Number Resource" not in seven.text
    # paragraph 19 continues after footnote 4
    nineteen = by_number(seed_structure, 19)
    assert "والهيئات الإداریة" in nineteen.text.replace("\u0467", "")
    assert "WSIS-II" not in nineteen.text
    # footnote 3 sits between paragraphs 12 and 13 and belongs to neither
    assert "unpan" not in by_number(seed_structure, 12).text + by_number(seed_structure, 13).text


def test_footnote_markers_are_removed(seed_structure) -> None:
    for number in (2, 4, 11, 16):
        text = by_number(seed_structure, number).raw
        assert ")1(" not in text and ")2(" not in text and ")3(" not in text and ")4(" not in text


def test_contributions_table(seed_structure) -> None:
    (table,) = seed_structure.tables
    assert "الإسهامات" in table.title
    labels = [(r.label, r.label_en, r.group) for r in table.rows]
    assert labels == [
        ("الحكومات", "Governments", "governments"),
        ("المنظمات الدولية", "International organizations", "intergovernmental"),
        ("المجتمع المدني", "Civil society", "civil_society"),
        ("القطاع الخاص", "Private sector", "private_sector"),
        ("المجموع", "Total", None),
    ]
    governments, international, civil, private, total = table.rows
    assert governments.values == [11, 13, 8, 32] and not governments.flags
    assert civil.values == [32, 7, 3, 42] and private.values == [9, 5, 2, 16]
    # «صفر» printed as the row total, but 7 + 1 + 0 = 8
    assert international.printed[-1] == "صفر" and international.implied[-1] == 8 and international.flags
    # the total row prints 31 for a column that sums to 13
    assert total.printed[2] == "31" and total.values[2] == 31 and total.implied[2] == 13
    assert len(total.flags) == 1 and len(table.flags) == 2
    unit = next(u for u in seed_structure.units if u.kind == "table")
    assert unit.unit_id == table.unit_id


def test_table_helpers() -> None:
    assert split_table_row(" 32 8 13 11 الحكومات") == ("الحكومات", ["11", "13", "8", "32"])
    assert split_table_row("هذا سطر عادي من النص 2010") is None
    assert unrotate_label("وليةالمنظمات الد", {"المنظمات الدولية": 1}) == "المنظمات الدولية"
    assert unrotate_label("شيء آخر", {"المنظمات الدولية": 1}) == "شيء آخر"
    assert validate_table([]) == []


def test_logical_order_layout_and_unknown_numbers() -> None:
    text = "\n".join(
        [
            "أولا - مقدمة",
            "1 - هذه فقرة أولى",
            "تستمر هنا.",
            "2 - وهذه فقرة ثانية تذكر العام 2010 - 5 دون أن تبدأ فقرة",
            "ثانيا - خاتمة",
            "3 - فقرة أخيرة.",
        ]
    )
    units = UnDocumentStructure().split(Document("d", "d.txt", text, "utf-8", "0")).units
    assert [(u.kind, u.number) for u in units] == [
        ("heading", None),
        ("paragraph", 1),
        ("paragraph", 2),
        ("heading", None),
        ("paragraph", 3),
    ]
    assert units[1].text == "هذه فقرة أولى تستمر هنا."
    assert all(u.visual_lines == () for u in units)  # numbers first: nothing says visual order
    assert units[0].text == "أولا - مقدمة"


def test_a_labelled_series_of_short_lines_is_items_not_headings():
    from pipeline.stages.structure.general import split_general

    goals = "\n\n".join(
        [
            "الهدف 1: القضاء على الفقر بجميع أشكاله في كل مكان",
            "الهدف 2: القضاء على الجوع وتحقيق الأمن الغذائي وتحسين التغذية وتعزيز الزراعة المستدامة",
            "الهدف 5: تحقيق المساواة بين الجنسين",
            "الهدف 6: ضمان توافر المياه",
        ]
    )
    units, _, _ = split_general("sdg", goals)
    assert [u.kind for u in units] == ["paragraph"] * 4
    targets = "\n\n".join(
        ["1-1-title القضاء على الفقر المدقع", "1-a-title كفالة حشد الموارد", "1-b-title وضع أطر سياساتية"]
    )
    assert [u.kind for u in split_general("sdg", targets)[0]] == ["paragraph"] * 3
    # a numbered title over its text stays a heading; two such titles in a row are not a series
    text = "الفصل 1: مقدمة\n\nتعمل الحكومة على تطوير الخدمات الرقمية لجميع المواطنين.\n\nالفصل 2: الأهداف\n\nنص الفصل الثاني هنا."
    assert [u.kind for u in split_general("doc", text)[0]] == ["heading", "paragraph", "heading", "paragraph"]


def test_a_general_table_with_a_total_row_has_its_sums_checked():
    """The report says «المجاميع متسقة» for a table with a total row: the general layout checks it too."""
    from pipeline.stages.structure.general import split_general

    wrong = "| البند | 2022 | 2023 |\n|---|---|---|\n| أ | 50 | 70 |\n| ب | 30 | 50 |\n| المجموع | 80 | 115 |"
    (table,) = split_general("d", wrong)[1]
    assert table.flags == ["المجموع: cell 2 printed '115' but the column sums to 120"]
    assert table.rows[2].implied == [80, 120]
    right = wrong.replace("115", "120")
    assert split_general("d", right)[1][0].flags == []
    with_total_column = "| البند | أ | ب | المجموع |\n|---|---|---|---|\n| 2022 | 1 | 2 | 4 |"
    assert split_general("d", with_total_column)[1][0].flags == [
        "2022: total printed '4' but the row sums to 3"
    ]  # fmt: skip


# --------------------------------------------------------------------------- general layout: a new user's faults


def test_a_first_row_of_years_heads_the_columns_when_the_markup_marks_no_header():
    """A Word or HTML table marks no header row: a first row of years («المؤشر | 2024 | 2025») over rows
    of counts is the header (its sums are then right), and the table's notes say why."""
    from pipeline.stages.structure.general import split_general

    rows = [("المؤشر", "2024", "2025"), ("عدد الجهات الملتزمة", "12", "30"), ("عدد الشكاوى", "150", "420")]
    rows.append(("المجموع", "162", "450"))
    pipe = "\n".join("| " + " | ".join(row) + " |" for row in rows)  # .docx and HTML tables read so
    aligned = "\n".join("     ".join(row) for row in rows)  # plain text of aligned columns
    for text, kind in ((pipe, "tables_pipe"), (aligned, "tables_aligned")):
        _, (table,), counts = split_general("d", text)
        assert counts[kind] == 1
        assert table.columns == ["2024", "2025"] and table.label_column == "المؤشر"
        assert [row.label for row in table.rows] == ["عدد الجهات الملتزمة", "عدد الشكاوى", "المجموع"]
        assert table.flags == ["header: none marked; first row taken as the header (its numbers are years: 2024, 2025)"]
        assert all(row.flags == [] for row in table.rows)  # 12 + 150 = 162: no «column sums to 2186»
    from pipeline.stages.formats import html_text

    page = "<table>" + "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows) + "</table>"
    assert split_general("d", html_text(page.encode(), "t.html"))[1][0].columns == ["2024", "2025"]  # no <th>
    # a sequence (steps, phases) and fiscal years head columns too; an empty corner cell is a label's place
    steps = "| المرحلة | 1 | 2 | 3 |\n| الميزانية | 40 | 25 | 70 |"
    assert split_general("d", steps)[1][0].columns == ["1", "2", "3"]
    counts_in_step = "| السنة | 2019 | 2020 | 2021 |\n| السكان (مليون) | 30 | 31 | 32 |"  # counts, not years
    assert split_general("d", counts_in_step)[1][0].columns == ["2019", "2020", "2021"]
    fiscal = "|  | 2022/2023 | 2023/2024 |\n| الإيرادات | 900 | 950 |"
    assert split_general("d", fiscal)[1][0].columns == ["2022/2023", "2023/2024"]


def test_a_first_row_of_numbers_that_are_not_column_labels_stays_data():
    from pipeline.stages.structure.general import split_general

    def first_row(text: str) -> tuple[list[str], str]:
        table = split_general("d", text)[1][0]
        return [row.label for row in table.rows][:1], table.flags[0]

    counts = "| الإيرادات | 120 | 130 |\n| النفقات | 100 | 90 |"  # counts, not years
    assert first_row(counts) == (["الإيرادات"], "header: none marked; first row has numbers, read as data")
    years_everywhere = "| التأسيس | 1990 | 1995 |\n| التوسعة | 2001 | 2003 |\n| التحديث | 2015 | 2020 |"
    assert first_row(years_everywhere)[0] == ["التأسيس"]  # every row names years: they are the data
    number_label = "| 2019 | 2024 | 2025 |\n| عدد | 12 | 30 |"  # the first cell is no label
    assert first_row(number_label)[0] == ["2019"]
    repeated = "| العدد | 2024 | 2024 |\n| عدد | 12 | 30 |"  # two columns of one year are not labels
    assert first_row(repeated)[0] == ["العدد"]
    # a header the markup marks is never second-guessed
    marked = "| البند | 120 | 130 |\n|---|---|---|\n| أ | 1 | 2 |"
    assert split_general("d", marked)[1][0].columns == ["120", "130"]


def test_a_long_line_is_never_a_heading_nor_a_web_address():
    from pipeline.stages.structure.general import MARKED_HEADING_MAX_CHARS, split_general

    prose = "تمارس المنظمة العربية للتنمية الإدارية دورا مهما في البحث والتطوير في مجال الإدارة " * 3
    assert len(prose.strip()) > MARKED_HEADING_MAX_CHARS
    units, _, counts = split_general(
        "d", f"## العضوية العلمية\n\n# {prose.strip()}\n\nURL: https://www.arado.org/x", markdown=True
    )
    assert [u.kind for u in units] == ["heading", "paragraph", "paragraph"]
    assert units[1].text == prose.strip() and counts["headings_too_long"] == 1
    question = "هل يتم إدراج مشاريع الذكاء الاصطناعي المؤثرة على رأس الأولويات؟ وهل يتم إمدادها بالموارد اللازمة؟"
    assert [u.kind for u in split_general("d", f"## {question}\n\nنص.", markdown=True)[0]] == ["heading", "paragraph"]


def test_every_item_of_a_list_written_one_block_an_item_stays_with_its_lead_in():
    """.docx and HTML write a list as one block an item: all of them join the lead-in ending in «:»,
    up to the next paragraph that is no item; a list after a paragraph that is no lead-in stays apart."""
    from pipeline.stages.structure.general import split_general

    items = ["- جمع الحد الأدنى من البيانات.", "- إبلاغ صاحب البيانات بالغرض.", "- عدم نقل البيانات إلى الخارج."]
    text = "\n\n".join(["تلتزم الجهات بالمبادئ التالية:", *items, "وتراجع الهيئة هذه السياسة.", "- بند آخر."])
    units, _, counts = split_general("d", text)
    assert [u.text for u in units] == [
        "تلتزم الجهات بالمبادئ التالية: " + " ".join(items),
        "وتراجع الهيئة هذه السياسة.",
        "- بند آخر.",
    ]
    assert counts["list_lead_ins"] == 3
    # a heading ends the list: an item after it is a paragraph of its own
    units = split_general("d", "\n\n".join(["المبادئ:", items[0], "## عنوان", items[1]]))[0]
    assert [u.kind for u in units] == ["paragraph", "heading", "paragraph"] and units[2].text == items[1]


def test_boilerplate_repeated_in_text_without_pages_is_removed_and_counted():
    """A running footer with its page number (14 times in a converted guide) and a site menu before each
    scraped page are removed; a paragraph quoted twice, headings and lead-ins repeated are text."""
    from pipeline.stages.structure import DocumentStructure
    from pipeline.stages.structure.furniture import REPEATED_BLOCK_MIN

    menu = "نشأة المنظمة\nعن أجهزة المنظمة\nالهيكل التنظيمي"
    quote = "وأكدت الحكومة أن حماية البيانات الشخصية تسبق كل نقل لها إلى الخارج."

    def document(pages: int) -> str:
        blocks = [quote]
        for page in range(1, pages + 1):
            blocks += [f"## الفصل {page}", "أمثلة:", menu, f"نص الصفحة {page} يشرح السياسة بالتفصيل للقارئ."]
            blocks += ["التوصيات", f"توصية الفصل {page} بتطوير الخدمات."]  # a section's label in plain text
            blocks.append(f"{menu}\nتقدم المنظمة في هذه الصفحة برنامجها رقم {page}.")  # a menu glued to the text
            blocks.append(f"الريادة في عصر الذكاء الاصطناعي\n{page + 1}")
        return "\n\n".join([*blocks, quote])

    def split(text: str, source: str = "g.md"):
        return DocumentStructure().split(Document("g", source, text, "utf-8", "0"))

    structure = split(document(5))
    texts = [u.text for u in structure.units]
    assert not any("الريادة في عصر" in t or "نشأة المنظمة" in t for t in texts)
    assert texts.count(quote) == 2
    programmes = [t for t in texts if t.startswith("تقدم المنظمة")]
    assert programmes == [f"تقدم المنظمة في هذه الصفحة برنامجها رقم {p}." for p in range(1, 6)]
    assert sum(1 for u in structure.units if u.kind == "heading") == 10  # chapters and their labels
    assert texts.count("أمثلة:") == 5  # a lead-in repeated is text
    assert texts.count("التوصيات") == 5  # and so is a label of one or two words
    assert structure.counts["furniture_repeated_blocks"] == 15  # 5 footers, 5 menus, 5 menus starting a block
    assert structure.counts["furniture_repeated_block_kinds"] == 2
    # below REPEATED_BLOCK_MIN the same footer is text; a PDF's pages are left to the page furniture rules
    few = split(document(REPEATED_BLOCK_MIN - 1))
    assert "furniture_repeated_blocks" not in few.counts
    assert sum("الريادة في عصر" in u.text for u in few.units) == REPEATED_BLOCK_MIN - 1
    paged = "\f".join(f"نص الصفحة {p} يشرح السياسة.\n\nالريادة في عصر الذكاء الاصطناعي" for p in range(5))
    assert "furniture_repeated_blocks" not in split(paged, "p.pdf").counts


LINES = [
    "الريادة في عصر الذكاء الاصطناعي",
    "2",
    "3",
    "نشأة المنظمة وأدوارها",
    "عن أجهزة المنظمة",
    "نص فقرة كاملة.",
    "التوصيات",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(LINES), min_size=1, max_size=3), max_size=14))
def test_repeated_block_removal_only_removes_and_counts_what_it_removes(blocks):
    """Whatever the blocks, the output is the input with each block kept whole, cut of a boilerplate start,
    or removed -- never one that is text --, and each block changed is counted."""
    from pipeline.stages.structure.furniture import remove_repeated_blocks
    from pipeline.stages.structure.general import _never_boilerplate

    out, counts = remove_repeated_blocks(blocks, _never_boilerplate)

    @functools.cache
    def changes(i: int, j: int) -> frozenset[int]:
        """The numbers of blocks changed by the ways blocks[i:] can give out[j:] (empty: no way)."""
        if i == len(blocks):
            return frozenset({0}) if j == len(out) else frozenset()
        block, ways = blocks[i], set()
        if j < len(out) and out[j] == block:
            ways |= changes(i + 1, j + 1)  # kept whole
        if j < len(out) and len(out[j]) < len(block) and block[-len(out[j]) :] == out[j]:
            ways |= {n + 1 for n in changes(i + 1, j + 1)}  # lost a boilerplate start
        if not _never_boilerplate(block):
            ways |= {n + 1 for n in changes(i + 1, j)}  # removed whole: never text, a label, a heading ...
        return frozenset(ways)

    assert counts.get("furniture_repeated_blocks", 0) in changes(0, 0)


def test_a_document_of_short_lines_alone_is_text_not_headings():
    """A one-line statement or a few short lines (a damaged case file, slogans) were all read as headings:
    the run warned "no paragraph found" and drew no theme or statement from them (new-user trial)."""
    from pipeline.stages.structure.general import split_general

    units, _, counts = split_general("d", "قالت «الحكومات» إن الأمر مهم\n")
    assert [(u.kind, u.unit_id, u.text) for u in units] == [("paragraph", "d/p1", "قالت «الحكومات» إن الأمر مهم")]
    assert counts["headings_as_paragraphs"] == 1
    units, _, counts = split_general(
        "d", "الأهداف\n\nتسعى الحكومة إلى حماية البيانات الشخصية للمواطنين في جميع القطاعات.\n"
    )
    assert [u.kind for u in units] == ["heading", "paragraph"] and "headings_as_paragraphs" not in counts


def test_a_converters_page_markers_and_provenance_lines_are_furniture_not_headings():
    """PDF-to-Markdown converters write «# Source: x.pdf», «**Type:** pdf» at the top and «# الصفحة 59» /
    «## Page 4» / «(This page is blank.)» between pages: blanked and counted, never headings."""
    from pipeline.stages.formats import markdown_text
    from pipeline.stages.structure.general import split_general

    source = (
        "# Source: report.pdf\n\n**Type:** pdf\n\n---\n\n# الرؤية العربية\n\nفقرة أولى عن التنمية.\n\n"
        "# الصفحة 59\n\nفقرة ثانية.\n\n## Page 4\n\n(This page is blank.)\n\n# الصفحة (الغلاف الخلفي)\n\n"
        "# الصفحة الرئيسية\n\nالمصدر: البنك الدولي.\n\nType: a word in the body stays.\n"
    )
    text, _ = markdown_text(source, "r.md")
    units, _, counts = split_general("d", text, markdown=True)
    assert [(u.kind, u.text) for u in units] == [
        ("heading", "الرؤية العربية"),
        ("paragraph", "فقرة أولى عن التنمية."),
        ("paragraph", "فقرة ثانية."),
        ("heading", "الصفحة الرئيسية"),  # «the home page»: a title, no page number
        ("paragraph", "المصدر: البنك الدولي."),
        ("paragraph", "Type: a word in the body stays."),
    ]
    assert counts["furniture_page_markers"] == 4 and counts["furniture_converter_lines"] == 2


def test_a_table_without_a_title_takes_the_heading_or_caption_right_above_it():
    from pipeline.stages.structure.general import split_general

    text = (
        "## مؤشرات الاتصال\n\n| المؤشر | 2020 |\n|---|---|\n| الإنترنت | 70 |\n\n"
        "جدول 2: الإنفاق حسب القطاع\n\n| القطاع | 2020 |\n|---|---|\n| التعليم | 5 |\n\n"
        "نص يسبق الجدول بجملة كاملة عن البيانات.\n\n| أ | ب |\n|---|---|\n| 1 | 2 |"
    )
    units, tables, _ = split_general("d", text, markdown=True)
    assert [t.title for t in tables] == ["مؤشرات الاتصال", "جدول 2: الإنفاق حسب القطاع", ""]
    # the heading and the caption stay units of their own; the table units hold no copy of them
    assert [(u.kind, u.text) for u in units if u.kind == "table"] == [("table", "")] * 3
    assert [u.text for u in units if u.kind == "heading"] == ["مؤشرات الاتصال", "جدول 2: الإنفاق حسب القطاع"]


def test_a_table_caption_is_the_tables_title_and_no_section_heading(tmp_path):
    """HTML's <caption>, a .docx «Caption» paragraph and pandoc's «Table: ...» line name their table:
    the text after the table stays in the section it was in (a caption read as a heading took it)."""
    import docx

    from pipeline.stages.formats import docx_text, html_text
    from pipeline.stages.structure.general import split_general

    before, after = "نما الاقتصاد الرقمي نموا سريعا في العقد الماضي.", "ويظهر الجدول أن النمو تسارع في السنة الثانية."
    page = (
        f"<h2>الاقتصاد الرقمي</h2><p>{before}</p><table><caption>النمو حسب السنة</caption>"
        f"<tr><th>السنة</th><th>النمو</th></tr><tr><td>2020</td><td>5</td></tr></table><p>{after}</p>"
    )
    document = docx.Document()
    document.add_heading("الاقتصاد الرقمي", 1)
    document.add_paragraph(before)
    grid = document.add_table(rows=2, cols=2)
    for r, (a, b) in enumerate([("السنة", "النمو"), ("2020", "5")]):
        grid.cell(r, 0).text, grid.cell(r, 1).text = a, b
    document.add_paragraph("النمو حسب السنة", style="Caption")  # a caption under its table
    document.add_paragraph(after)
    document.add_paragraph("شكل 1: خريطة المنطقة", style="Caption")  # a figure's caption: beside no table
    document.save(tmp_path / "d.docx")
    pandoc = (
        f"## الاقتصاد الرقمي\n\n{before}\n\n: النمو حسب السنة\n\n| السنة | النمو |\n|---|---|\n| 2020 | 5 |\n\n{after}"
    )
    for text in (html_text(page.encode(), "p.html"), docx_text(tmp_path / "d.docx"), pandoc):
        units, tables, _ = split_general("d", text, markdown=True)
        assert [t.title for t in tables] == ["النمو حسب السنة"]
        body = [(u.kind, u.section) for u in units if u.kind != "heading" or u.text == "الاقتصاد الرقمي"]
        assert body[:4] == [("heading", None), ("paragraph", "d/h1"), ("table", "d/h1"), ("paragraph", "d/h1")]
        assert not any(u.text.startswith(("Table:", ":")) for u in units)
    assert units_texts(split_general("d", "Table: a line beside no table stays text.")[0]) == [
        "Table: a line beside no table stays text."
    ]


def test_a_news_pages_date_line_is_no_heading_and_its_time_is_the_documents_date():
    from pipeline.stages.formats import html_text
    from pipeline.stages.structure.general import split_general

    page = (
        "<article><header><h1>افتتاح مركز البيانات</h1><p><time datetime='2024-05-12'>الأحد 12 مايو 2024</time></p>"
        "</header><p>افتتحت الوزارة اليوم مركزا جديدا للبيانات في العاصمة.</p></article>"
    )
    info: dict[str, str] = {}
    units, _, _ = split_general("d", html_text(page.encode(), "p.html", info), markdown=True)
    assert info["date"] == "2024-05-12"
    assert [(u.kind, u.text) for u in units] == [
        ("heading", "افتتاح مركز البيانات"),
        ("paragraph", "الأحد 12 مايو 2024"),  # kept, as a line of the page; no section heading
        ("paragraph", "افتتحت الوزارة اليوم مركزا جديدا للبيانات في العاصمة."),
    ]
    for line in ("التاريخ: 15/3/2025", "تاريخ النشر: 12 مايو 2024"):  # a memo's labelled date line
        assert [u.kind for u in split_general("d", f"مذكرة\n\n{line}\n\nنص المذكرة كاملا.")[0]] == [
            "heading",
            "paragraph",
            "paragraph",
        ]
    for title in ("رؤية 2030", "الفصل 3: الاقتصاد الرقمي"):  # a number in a title does not make it a date
        assert [u.kind for u in split_general("d", f"{title}\n\nنص الفقرة الأولى من الفصل.")[0]] == [
            "heading",
            "paragraph",
        ]


def test_a_stray_word_inside_a_pdf_paragraph_does_not_cut_it():
    """Vision 2030 p. 7: a graphic's one-word label extracted between two parts of a paragraph made a
    heading that cut it («... بالفرص التي تتاح» | «أي» | «للجميع، والخدمات ...»)."""
    from pipeline.stages.structure.general import split_general

    first = [
        "ما نطمح إليه ليس تعويض النقص في المداخيل فقط، أو المحافظة على",
        "المكتسبات، ولكن طموحنا أن نبني وطنا أكثر ازدهارا يجد فيه كل مواطن",
        "ما يتمناه، في مقدمة دول العالم، بالتعليم والتأهيل، بالفرص التي تتاح",
    ]
    rest = ["للجميع، والخدمات المتطورة، في التوظيف والرعاية الصحية والسكن.", "ونلتزم أمامكم بالأداء الحكومي الفعال."]
    pages = ["\n".join(first) + "\n\nأي\n\n" + "\n".join(rest), "نص الصفحة الثانية كاملا.", "نص الصفحة الثالثة كاملا."]
    units, _, counts = split_general("d", "\f".join(pages))
    assert units[0].kind == "paragraph" and units[0].text == " ".join(first + rest)
    assert counts["furniture_stray_words"] == 1 and not any(u.text == "أي" for u in units)
    # without a page break (not a PDF) the line stays: plain text has no graphic labels
    units, _, counts = split_general("d", pages[0])
    assert "furniture_stray_words" not in counts and any(u.text == "أي" for u in units)


@pytest.mark.parametrize("end", [".\u200f", ".\u200e", ".\u061c", '."', ".»", "؟\u200f"])
def test_a_sentence_ending_in_a_direction_mark_or_a_closing_quote_is_no_heading(end):
    """Text copied from Word or the web keeps an RLM after the stop, and news closes a quote after it:
    both made one-line paragraphs headings, and their statements were lost (new-user trial)."""
    from pipeline.stages.structure.general import split_general

    lines = [f"قال وزير المالية إن العجز سينخفض هذا العام{end}", f"وأكدت منظمات المجتمع المدني أن الحوار مهم{end}"]
    units, _, _ = split_general("d", "\n\n".join(lines))
    assert [u.kind for u in units] == ["paragraph", "paragraph"]


def test_decimals_and_shares_in_a_table_are_flagged_not_silently_null():
    """New-user trial: «120.5», «١٢٠٫٥», «60%» had value null and the table no flag, so it read as validated."""
    from pipeline.stages.structure.tables import make_table

    table = make_table([["البند", "2022", "2023"], ["الإيرادات", "120.5", "١٢٠٫٥"], ["النمو", "60%", "7"]], "", True)
    assert [r.values for r in table.rows] == [[None, None], [None, 7]]
    (flag,) = table.flags
    assert flag.startswith("numbers that are no whole count") and "النمو: 60%" in flag and "١٢٠٫٥" in flag
    assert make_table([["البند", "2022"], ["الإيرادات", "1,250"]], "", True).flags == []


def units_texts(units: list) -> list[str]:
    return [u.text for u in units]


def test_a_sentence_stored_in_reversed_character_order_is_no_heading():
    """Structure runs before repair: a short line stored reversed has its full stop at its start
    («.نيموي قرغتستو ...»); it ends a sentence, so it is a paragraph (repair turns it back later)."""
    from pipeline.stages.structure.general import split_general

    title, sentence = "إعادة إصدار لوحة المركبة", "وقالت الوزارة إن الخدمة متاحة على مدار الساعة."
    text = "\n\n".join([title[::-1], "نص الفقرة الأولى عن الخدمة الجديدة للمواطنين.", sentence[::-1]])
    units, _, _ = split_general("d", text)
    assert [u.kind for u in units] == ["heading", "paragraph", "paragraph"]
    assert units[2].text == sentence[::-1]  # structure changes no letter


def test_a_layout_table_of_boxes_is_read_as_headings_and_paragraphs():
    """A converter renders a page of boxes (a title beside a body) as a pipe table with an empty header:
    its prose is text (themes and statements come from it), not a table; a data table stays a table."""
    from pipeline.stages.structure.general import split_general

    body = "يجب تحديد أهمية تبني الذكاء الاصطناعي ودوره المباشر في تعزيز أداء المؤسسة " * 3
    text = (
        f"| | |\n| :--- | :--- |\n| **فن السرد التنفيذي** | {body.strip()}. |\n"
        f"| **دور القادة** | وقال الوزير إن {body.strip()}. |\n\n"
        "| | |\n|---|---|\n| الإنترنت | 70 |\n| الهاتف | 95 |"
    )
    units, tables, counts = split_general("d", text, markdown=True)
    assert [(u.kind, u.text[:20]) for u in units] == [
        ("heading", "فن السرد التنفيذي"),
        ("paragraph", body[:20]),
        ("heading", "دور القادة"),
        ("paragraph", "وقال الوزير إن يجب ت"),
        ("table", ""),
    ]
    assert counts["tables_layout_as_text"] == 1 and [len(t.rows) for t in tables] == [2]
