"""Readers of the rich formats (HTML, .docx, Markdown) into the plain text the structure stage reads.

The structure stage (:mod:`pipeline.stages.structure.general`) reads blocks separated by blank
lines, ``#`` heading lines, ``- `` list items and ``| a | b |`` pipe rows.  Each reader here maps
its format's own structure onto those, and keeps **every** piece of text the format shows a
reader: text is never dropped because of the element it sits in.

* HTML (selectolax, lexbor): a depth-first walk; a block element (``div``, ``section``, ``p``,
  ``li`` ...) starts a new block, inline elements (``b``, ``a``, ``span`` ...) join their text to
  the current one.  Page chrome (navigation, header, footer, scripts, forms) is removed first.
  A table with two or more columns becomes pipe rows; a one-column table (a layout table) is read
  as blocks.
* .docx (python-docx): paragraphs and tables in document order, tracked changes accepted (inserted text
  in, deleted text out), text boxes after their anchor paragraph; heading styles become ``#``; a
  table of one column (layout: a box holding prose) is read as its paragraphs.
* Markdown (markdown-it-py, CommonMark + tables): headings, paragraphs, list items and tables
  keep their structure; links keep their text, images, HTML comments, link definitions,
  footnote markers and YAML front matter are not text of the document (front matter becomes the
  document's metadata).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pipeline.errors import InputError
from pipeline.names import quoted
from pipeline.stages.docx_xml import docx_paragraph_text

# Elements whose text is page chrome, not the document (removed before reading).
HTML_CHROME = (
    "script, style, noscript, nav, footer, aside, form, menu, template, svg, iframe, [hidden], "
    '[aria-hidden="true"], [role="navigation"], [style*="display:none"], [style*="display: none"], '
    # a news page's widgets inside its <main>/<article>, by the class or id names CMSs give them:
    # share buttons, breadcrumbs, «اقرأ أيضاً» boxes, tag lists, readers' comments
    '[class*="share"], [class*="social"], [class*="breadcrumb"], [class*="related"], [class*="comment"], '
    '[id*="comment"], [class~="tags"], [class*="tag-list"], [role="complementary"]'
)
# A <header> inside one of these is the article's own (its title heading stays); any other <header>
# is the site banner, read only for its headings when the page has no <h1> outside it.
HTML_ARTICLE_TAGS = frozenset(["article", "main", "section"])
# Elements that start a block of their own (HTML's block-level and list/table elements).
HTML_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "blockquote",
        "body",
        "center",
        "dd",
        "details",
        "dialog",
        "dir",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hgroup",
        "hr",
        "li",
        "main",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "ul",
        "caption",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "tr",
    ]
)
HEADING_TAGS = {f"h{n}": n for n in range(1, 7)}


def _squash(text: str) -> str:
    return " ".join(text.split())


def html_text(data: bytes, where: str, info: dict[str, str] | None = None) -> str:
    """Text of an HTML page: one block per block element, ``#`` headings, ``- `` list items,
    tables of two or more columns as pipe rows.  Raises InputError when the page has no body.

    ``info``, when given, receives ``encoding`` (the charset the page was decoded with),
    ``title`` (the ``<title>``, white space collapsed, when the page has one) and ``date`` (the
    ``datetime`` of the first ``<time>`` in a ``<header>``, else its text: a news page's date, whose
    line stays in the text and is no heading there) and ``author`` (a byline's text, which leaves the
    text)."""
    from selectolax.lexbor import LexborHTMLParser

    decoded, charset = html_decoded(data, where)
    tree = LexborHTMLParser(decoded)
    if info is not None:
        info["encoding"] = charset
        title = tree.css_first("head > title") or tree.css_first("title")
        if title is not None and (text := " ".join(title.text().split())):
            info["title"] = text
    for node in tree.css(HTML_CHROME):
        node.decompose()
    for byline in tree.css('[class*="byline"], [rel="author"]'):  # «بقلم: ...»: the author, no heading
        if info is not None and (author := _squash(byline.text(separator=" "))):
            info.setdefault("author", author)
        byline.decompose()
    stamp = tree.css_first("header time")
    date = _squash(stamp.attributes.get("datetime") or stamp.text(separator=" ")) if stamp is not None else ""
    if info is not None and date:
        info["date"] = date
    body = tree.body or tree.root
    if body is None:
        raise InputError(f"{where}: HTML page has no body")
    blocks: list[str] = _banner_headings(body)
    _html_blocks(body, blocks)
    return "\n\n".join(blocks)


def _banner_headings(body: Any) -> list[str]:
    """Remove the page's banner ``<header>`` elements (site chrome: logo, menus) and return their
    headings as ``#`` blocks when no ``<h1>`` stands outside them: a page whose only title heading
    sits in its banner keeps it.  An article's own ``<header>`` (inside ``<article>``, ``<main>``
    or ``<section>``) is left to be read in place."""
    banners = [node for node in body.css("header") if not _inside(node, HTML_ARTICLE_TAGS | {"header"})]
    outside_h1 = [h for h in body.css("h1") if not _inside(h, {"header"})]
    headings = []
    for banner in banners:
        if not outside_h1:
            for node in banner.css("h1, h2, h3, h4, h5, h6"):
                if text := _squash(node.text(separator=" ")):
                    headings.append("#" * HEADING_TAGS[node.tag] + " " + text)
    for banner in banners:
        banner.decompose()
    return headings


def _inside(node: Any, tags: set[str] | frozenset[str]) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag in tags:
            return True
        parent = parent.parent
    return False


META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def html_decoded(data: bytes, where: str) -> tuple[str, str]:
    """The page's text and the charset it was decoded with: the charset its ``<meta>`` declares,
    unless a byte-order mark says otherwise; else decoded as a text file is
    (:func:`pipeline.stages.ingest.decode_text`: BOM, UTF-8, UTF-16, the Arabic code pages).
    Raises InputError as that does."""
    import codecs

    from pipeline.stages.ingest import decode_text

    declared = META_CHARSET.search(data[:4096])
    if declared and not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            name = declared.group(1).decode("ascii")
            return data.decode(name), codecs.lookup(name).name
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong declaration: decoded as a text file is
    return decode_text(data, where)


def _html_blocks(root: Any, blocks: list[str], breaks: bool = False) -> None:
    """Append the blocks under ``root`` to ``blocks`` (an explicit stack: deep pages do not recurse);
    ``breaks``: a ``<br>`` ends a block too (inside a table cell, where each line is a value)."""
    buffer: list[str] = []
    prefix = [""]  # what the block being collected starts with: "# ", "- " or nothing

    def flush() -> None:
        text = _squash("".join(buffer))
        if text:
            blocks.append(prefix[0] + text)
            prefix[0] = ""  # an empty flush keeps it: «<li><p>item</p></li>» is still an item
        buffer.clear()

    stack: list[tuple[Any, bool]] = [(child, True) for child in reversed(list(root.iter(include_text=True)))]
    while stack:
        node, entering = stack.pop()
        tag = node.tag
        if tag == "-text":
            buffer.append(node.text(deep=False) or "")
            continue
        if tag == "br":
            if breaks:
                flush()
            else:
                buffer.append(" ")
            continue
        if tag.startswith("-"):  # comments, doctype
            continue
        block = tag in HTML_BLOCK_TAGS or tag in HEADING_TAGS
        if not entering:
            flush()
            prefix[0] = ""
            continue
        if block:
            flush()
        if tag == "table" and _html_table(node, blocks):
            continue  # read as pipe rows
        if tag in HEADING_TAGS:
            prefix[0] = "#" * HEADING_TAGS[tag] + " "
        elif tag in ("li", "dt", "dd"):
            prefix[0] = "- "
        elif tag in ("td", "th"):
            buffer.append(" ")
        if block:
            stack.append((node, False))
        stack.extend((child, True) for child in reversed(list(node.iter(include_text=True))))
    flush()


def _html_table(table: Any, blocks: list[str]) -> bool:
    """Pipe rows for a table with two or more columns (True), or False for a layout table of one
    column, whose content is then read as blocks.  A nested table's text stays in its cell."""
    rows, header = [], False
    for row in table.css("tr"):
        if _nearest(row, "table").mem_id != table.mem_id:  # a row of a nested table
            continue
        cells = [cell for cell in row.iter() if cell.tag in ("td", "th")]
        if not rows:  # the markup marks a header: a first row of <th> only, or in <thead>
            header = bool(cells) and (all(c.tag == "th" for c in cells) or row.parent.tag == "thead")
        rows.append([_html_cell(cell) for cell in cells])
    if max((len(r) for r in rows), default=0) < 2:
        return False
    caption = table.css_first("caption")
    title = _squash(caption.text(separator=" ")) if caption is not None else ""
    if title:
        blocks.append("Table: " + title)  # pandoc's caption: the structure stage makes it the table's title
    lines = ["| " + " | ".join(cells) + " |" for cells in rows if any(cells)]
    if header and lines:
        lines.insert(1, "|" + "---|" * len(rows[0]))
    blocks.append("\n".join(lines))
    return True


def _html_cell(cell: Any) -> str:
    """A cell's text; its lines (``<br>``, paragraphs) kept apart by ``<br>``, which the structure
    stage reads as a line break inside a cell (two values on two lines are not one number)."""
    lines: list[str] = []
    _html_blocks(cell, lines, breaks=True)
    return "<br>".join(line.removeprefix("- ").replace("|", "\\|") for line in lines)


def _nearest(node: Any, tag: str) -> Any:
    parent = node.parent
    while parent.tag != tag:  # the row is inside the table it was found from
        parent = parent.parent
    return parent


def docx_text(path: Path, max_inflated_mb: float = 0, info: dict[str, str] | None = None) -> str:
    """Text of a .docx file (python-docx): paragraphs and tables in document order, blank lines between blocks.

    ``info``, when given, receives the document's core properties ``title`` and ``author`` when set.

    Table rows become markdown pipe rows (``| a | b |``) so the structure stage sees a table; a
    table of one column (a layout box around prose) is read as its paragraphs.  A part of the zip
    that inflates to more than ``max_inflated_mb`` at more than ``BOMB_RATIO`` times its compressed
    size (a decompression bomb; images barely compress) raises InputError before python-docx reads
    it whole.
    """
    import docx

    if max_inflated_mb > 0:
        _check_zip_sizes(path, int(max_inflated_mb * 2**20))
    import zipfile

    if not zipfile.is_zipfile(path):  # python-docx says «Package not found» of a file that is there
        raise InputError(f"{quoted(path)}: not a .docx: not a zip package (truncated, or another format renamed)")
    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several types on damaged or non-docx zips
        raise InputError(f"{quoted(path)}: unreadable .docx ({type(exc).__name__}: {exc})") from None
    if info is not None:
        for key, value in (("title", document.core_properties.title), ("author", document.core_properties.author)):
            if value and (value := " ".join(str(value).split())):
                info[key] = value
    blocks: list[str] = []
    _docx_blocks(document, blocks)
    return "\n\n".join(blocks)


def _docx_blocks(container: Any, blocks: list[str], depth: int = 0) -> None:
    from docx.table import Table as DocxTable
    from docx.text.paragraph import Paragraph

    captions = []  # blocks of «Caption» paragraphs
    for item in container.iter_inner_content():
        if isinstance(item, Paragraph):
            text, boxes = docx_paragraph_text(item._p)
            text = text.strip()
            style = (item.style.name or "").lower() if item.style is not None else ""
            if text and style.startswith("caption"):
                captions.append(len(blocks))
            if text and style.startswith(("heading", "title")):
                text = "# " + text
            elif text and (style.startswith("list") or (item._p.pPr is not None and item._p.pPr.numPr is not None)):
                text = "- " + text  # «List Bullet», «List Number» or a numbered paragraph: an item, not a title
            if text:
                blocks.append(text)
            blocks.extend(box for box in boxes if box)  # a text box («إطار جانبي») after its anchor paragraph
        elif isinstance(item, DocxTable):
            # merged cells repeat the same cell: count the distinct ones per row
            columns = max((len({id(cell._tc) for cell in row.cells}) for row in item.rows), default=0)
            if columns <= 1 and depth < 8:
                for row in item.rows:
                    for cell in dict.fromkeys(row.cells, None):
                        _docx_blocks(cell, blocks, depth + 1)
                continue
            rows = ["| " + " | ".join(_docx_cell(cell) for cell in row.cells) + " |" for row in item.rows]
            if rows:
                blocks.append("\n".join(rows))
    for index in captions:  # a table's caption (beside a table; a figure's stays text): pandoc's form
        if any(0 <= j < len(blocks) and blocks[j].startswith("| ") for j in (index - 1, index + 1)):
            blocks[index] = "Table: " + blocks[index]


def _docx_cell(cell: Any) -> str:
    """A cell's paragraphs kept apart by ``<br>`` (a line break inside a cell for the structure stage)."""
    texts = (docx_paragraph_text(p._p)[0] for p in cell.paragraphs)
    return "<br>".join(_squash(text).replace("|", "\\|") for text in texts if text.strip())


BOMB_RATIO = 50  # XML compresses 5-20 times; a run of one byte 1000 times


def _check_zip_sizes(path: Path, limit: int) -> None:
    """InputError when a zip member inflates to more than ``limit`` bytes at more than BOMB_RATIO to 1.

    zipfile reads a member up to its declared size and checks the CRC, so the declared size bounds
    what python-docx would hold."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (OSError, zipfile.BadZipFile):
        return  # python-docx reports it
    for member in members:
        if member.file_size > limit and member.file_size > BOMB_RATIO * max(member.compress_size, 1):
            raise InputError(
                f"{quoted(path)}: .docx part {member.filename!r} inflates to {member.file_size / 2**20:.0f} MB "
                f"(a decompression bomb?); not read (ingest option max_inflated_mb)"
            )


FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\n(.*?\n)(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
FOOTNOTE_MARK = re.compile(r"\[\^[^\]\s]{1,40}\](?!:)")
FOOTNOTE_DEFINITION = re.compile(r"^\[\^([^\]\s]{1,40})\]:[ \t]*", re.MULTILINE)


def markdown_text(text: str, where: str = "") -> tuple[str, dict[str, Any]]:
    """Plain structured text of a Markdown document and its YAML front matter (a dict, possibly empty).

    Uses markdown-it-py (CommonMark with tables).  Footnote markers (``[^1]``) are removed and a
    footnote definition (``[^1]: text``) is kept as a block of its own.  Front matter that is not a
    mapping of YAML is read as text, not dropped.
    """
    from markdown_it import MarkdownIt

    meta: dict[str, Any] = {}
    found = FRONT_MATTER.match(text)
    if found:
        import yaml

        from pipeline.yamlfile import parse_yaml  # no aliases, bounded depth: a document is untrusted input

        try:
            parsed = parse_yaml(found.group(1))
        except yaml.YAMLError:
            parsed = None
        if isinstance(parsed, dict):
            # scalars only (a date becomes its ISO text): metadata is written to JSON outputs
            meta = {
                str(k): v if isinstance(v, (str, int, float, bool)) else str(v)
                for k, v in parsed.items()
                if v is not None and not isinstance(v, (dict, list))
            }
            text = text[found.end() :]
    text = FOOTNOTE_DEFINITION.sub("\n", FOOTNOTE_MARK.sub("", text))
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    blocks: list[str] = []
    lines: list[str] = []  # the block being written (a list or a table collects several lines)
    prefix, row, in_list, in_cell, setext = "", [], 0, False, False
    for token in tokens:
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            in_list += 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            in_list -= 1
            if not in_list and lines:
                blocks.append("\n".join(lines))
                lines = []
        elif kind == "heading_open":
            prefix = "#" * int(token.tag[1]) + " "
            setext = token.markup in ("=", "-")  # a line underlined by «===» or «---»
        elif kind == "heading_close":
            prefix, setext = "", False  # an empty heading («### ») marks nothing after it
        elif kind == "list_item_open":
            prefix = "- "
        elif kind == "tr_open":
            row = []
        elif kind in ("th_open", "td_open", "th_close", "td_close"):
            in_cell = kind.endswith("_open")
        elif kind == "tr_close":
            lines.append("| " + " | ".join(row) + " |")
        elif kind == "thead_close":
            lines.append("|" + "---|" * len(row))  # the header the source marked
        elif kind == "table_close":
            blocks.append("\n".join(lines))
            lines = []
        elif kind == "inline":
            content = _markdown_inline(token, in_cell)
            if in_cell:
                row.append(_squash(content).replace("|", "\\|"))
            elif content.strip():
                if setext and not _setext_title(content):
                    prefix = ""  # a paragraph above a rule, not a heading
                line = prefix + content.strip()
                setext = False
                if in_list:
                    lines.append(_squash(line))
                else:
                    blocks.append(line)
                prefix = ""
        elif kind in ("code_block", "fence"):
            if token.content.strip():
                blocks.append(token.content.rstrip("\n"))
        elif kind == "html_block":
            stripped = re.sub(r"<!--.*?-->", "", token.content, flags=re.DOTALL)
            stripped = _squash(re.sub(r"<[^<>]+>", " ", stripped))
            if stripped:
                blocks.append(stripped)
    if lines:
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks), meta


SETEXT_NOT_TITLE_END = re.compile(r"[.:،,;؛]\s*$")  # a lead-in or a sentence above a rule line, not a title


def _setext_title(content: str) -> bool:
    """Whether the text above a setext underline (``===`` or ``---``) is a title: one line, at most
    :data:`~pipeline.stages.structure.general.MARKED_HEADING_MAX_CHARS` long, no web address, not
    ending a sentence or clause (a question mark may end a title).

    CommonMark makes any paragraph a heading when a rule line follows it without a blank line;
    scraped pages and converters write rules that way under prose («=====» under a 2,179-character
    paragraph, «---» under «**URL:** https://...» in arado_website.md)."""
    from pipeline.stages.structure.general import MARKED_HEADING_MAX_CHARS, URL

    text = content.strip()
    return (
        "\n" not in text
        and len(_squash(text)) <= MARKED_HEADING_MAX_CHARS
        and not URL.search(text)
        and not SETEXT_NOT_TITLE_END.search(text)
    )


def _markdown_inline(token: Any, in_cell: bool = False) -> str:
    """The text of an inline token: link text kept, images, HTML tags and comments dropped,
    soft line breaks kept as line breaks (the structure stage joins wrapped lines)."""
    parts: list[str] = []
    for child in token.children or ():
        kind = child.type
        if kind in ("text", "code_inline"):
            parts.append(child.content)
        elif kind in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif kind == "html_inline" and BREAK.match(child.content):
            parts.append("<br>" if in_cell else "\n")  # a line break the author wrote as HTML
        # image, html_inline, link_open/close: no text of their own (a link's text is its children)
    return "".join(parts)
