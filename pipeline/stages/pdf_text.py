"""Extract the text layer of a PDF in logical (reading) order.

Arabic PDFs store glyphs in *visual* order: presentation-form shapes laid out
left to right, with the order inside the content stream often unrelated to the
reading order.  This module reads every glyph with its position (pdfminer.six),
rebuilds each line from the glyph x positions (right to left for Arabic lines),
restores left-to-right order inside digit and Latin runs, folds presentation
forms to base letters and returns plain text: pages separated by ``"\\f"``,
lines by ``"\\n"``.

Some fonts (e.g. Adobe's Myriad Arabic as exported by InDesign) draw ligatures
as dotless skeletons plus separate zero-width dot glyphs that have no Unicode
mapping.  Those dot glyphs are recognised by their glyph names and put back on
the letter they sit on (skeleton ``ىر`` + two dots above -> ``تر``).

Anything that is not a readable PDF with a text layer raises
:class:`pipeline.errors.InputError` naming the file and the reason.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from pdfminer.converter import PDFLayoutAnalyzer
from pdfminer.layout import LAParams, LTChar, LTFigure, LTPage, LTTextLine
from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import resolve1
from pdfminer.psparser import PSLiteral

from pipeline.errors import InputError
from pipeline.names import quoted
from pipeline.stages.pdf_bidi import _visual_to_logical
from pipeline.stages.pdf_layout import (
    _continues,
    _paragraph_breaks,
    _reading_order,
    _text_boxes,
    _text_lines,
    join_baseline_pieces,
)
from pipeline.stages.pdf_limits import MAX_STREAM_MB, StreamTooLarge, check_inflated_sizes

_PDF_MAGIC = b"%PDF-"
_MAGIC_SEARCH_BYTES = 1024  # the PDF spec tolerates junk before the header
_NO_TEXT_LAYER = "PDF has no text layer (scanned?); run OCR first"
_TATWEEL = "\u0640"
# Bidi controls carry no text; pdfminer sometimes emits them from ToUnicode maps.
_DROPPED_CHARS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
_SPACE_GAP_EM = 0.25  # a gap wider than this fraction of the font size between glyphs is a word break
_MARK_NEIGHBOURS = 4  # a mark's base glyph is this close to it in the content stream

# Zero-width dot glyphs of dotless-skeleton fonts, by glyph name: (position, count) or a hamza/madda kind.
_DOT_NAME = re.compile(r"dot|hamza|madda|(one|two|three).*(above|below)", re.IGNORECASE)
# What a dot mark turns a skeleton letter into: (skeleton, mark kind) -> letter.
_DOTTED = {
    ("ى", "above1"): "ن",
    ("ى", "above2"): "ت",
    ("ى", "above3"): "ث",
    ("ى", "below1"): "ب",
    ("ى", "below2"): "ي",
    ("ى", "hamza_above"): "ئ",
    ("ٮ", "above1"): "ن",
    ("ٮ", "above2"): "ت",
    ("ٮ", "above3"): "ث",
    ("ٮ", "below1"): "ب",
    ("ٮ", "below2"): "ي",
    ("ں", "above1"): "ن",
    ("ڡ", "above1"): "ف",
    ("ڡ", "above2"): "ق",
    ("ٯ", "above1"): "ف",
    ("ٯ", "above2"): "ق",
    ("ح", "above1"): "خ",
    ("ح", "below1"): "ج",
    ("س", "above3"): "ش",
    ("ص", "above1"): "ض",
    ("ط", "above1"): "ظ",
    ("ع", "above1"): "غ",
    ("ر", "above1"): "ز",
    ("د", "above1"): "ذ",
    ("ه", "above2"): "ة",
    ("ا", "hamza_above"): "أ",
    ("ا", "hamza_below"): "إ",
    ("ا", "madda"): "آ",
    ("و", "hamza_above"): "ؤ",
}
# Skeleton letters that only occur in such fonts' ligatures; left without dots they read as these.
_UNDOTTED_DEFAULT = {"ڡ": "ف", "ں": "ن", "ٮ": "ب", "ٯ": "ق"}


@dataclass
class _Glyph:
    """One drawn glyph: its text (already folded) and what marks sit on it."""

    text: str
    marks: list[tuple[float, str, bool]] = field(default_factory=list)  # (x, mark text or dot kind, is_dot)


def extract_pdf_text(path: Path, paragraphs: bool = False, max_stream_mb: float = MAX_STREAM_MB) -> str:
    """Return the text of the PDF at ``path`` in logical order.

    Pages are in order and separated by ``"\\f"``; within a page, lines run top
    to bottom, each in reading order (right to left for Arabic, with digit and
    Latin runs left to right), presentation forms folded to base letters.
    With ``paragraphs``, a blank line marks each paragraph break the line
    geometry shows (see :func:`pipeline.stages.pdf_layout._paragraph_breaks`).

    Raises :class:`InputError` when the file is missing, empty, not a PDF,
    encrypted, unreadable, has no text layer, or a stream pdfminer would inflate (page content,
    form, font, ToUnicode map) holds more than ``max_stream_mb`` MB (a decompression bomb: pdfminer
    has no limit of its own; 0: no limit).
    """
    path = Path(path)
    _check_pdf_header(path)
    pages, undefined_glyphs = _extract_pages(path, paragraphs, max_stream_mb)
    if not any(page.strip() for page in pages):
        if undefined_glyphs:
            raise InputError(f"{quoted(path)}: PDF text layer has no Unicode mapping (cid codes only); run OCR first")
        raise InputError(f"{quoted(path)}: {_NO_TEXT_LAYER}")
    return "\f".join(pages)


def _check_pdf_header(path: Path) -> None:
    """Fail early, with a clear reason, on files that cannot be PDFs."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_MAGIC_SEARCH_BYTES)
    except FileNotFoundError:
        raise InputError(f"{quoted(path)}: file not found") from None
    except IsADirectoryError:
        raise InputError(f"{quoted(path)}: is a directory, not a PDF file") from None
    except OSError as err:
        raise InputError(f"{quoted(path)}: cannot read file ({err.strerror})") from None
    if not head:
        raise InputError(f"{quoted(path)}: file is empty")
    if _PDF_MAGIC not in head:
        raise InputError(f"{quoted(path)}: not a PDF (no %PDF- header)")


def _extract_pages(path: Path, paragraphs: bool = False, max_stream_mb: float = 0) -> tuple[list[str], int]:
    """Run pdfminer over every page; return page texts and the count of glyphs without Unicode."""
    manager = _NamingResourceManager()
    device = _LogicalTextDevice(manager)
    device.paragraphs = paragraphs
    interpreter = PDFPageInterpreter(manager, device)
    checked: set[int] = set()
    try:
        with path.open("rb") as handle:
            document = PDFDocument(PDFParser(handle), password="")
            for page in PDFPage.create_pages(document):
                if max_stream_mb > 0:
                    check_inflated_sizes(page, int(max_stream_mb * 2**20), checked)
                interpreter.process_page(page)
    except StreamTooLarge as err:
        raise InputError(
            f"{quoted(path)}: PDF stream {err.args[0]} inflates to more than {max_stream_mb:g} MB "
            "(a decompression bomb?); not read (ingest option max_inflated_mb)"
        ) from None
    except PDFPasswordIncorrect:
        raise InputError(f"{quoted(path)}: PDF is encrypted (password required)") from None
    except PDFEncryptionError as err:
        raise InputError(f"{quoted(path)}: PDF is encrypted with an unsupported method ({err})") from None
    except Exception as err:  # pdfminer raises many unrelated types on damaged files
        reason = str(err).splitlines()[0][:120] if str(err) else type(err).__name__
        raise InputError(f"{quoted(path)}: unreadable PDF ({reason})") from None
    if not device.pages:
        raise InputError(f"{quoted(path)}: unreadable PDF (no pages found; truncated or damaged?)")
    return device.pages, device.undefined_glyphs


class _NamingResourceManager(PDFResourceManager):
    """Resource manager that remembers each simple font's glyph names (from /Encoding /Differences)."""

    def get_font(self, objid, spec):
        font = super().get_font(objid, spec)
        if not hasattr(font, "glyph_names"):
            font.glyph_names = _encoding_glyph_names(spec)
        return font


class _LogicalTextDevice(PDFLayoutAnalyzer):
    """Collects glyphs per page, re-attaches marks, and rebuilds lines in logical order."""

    def __init__(self, manager: PDFResourceManager) -> None:
        super().__init__(manager, pageno=1, laparams=LAParams(all_texts=True, boxes_flow=None))  # order: _reading_order
        self.pages: list[str] = []
        self.paragraphs = False  # mark paragraph breaks with blank lines
        self.undefined_glyphs = 0
        self._page_rtl = False
        self.bracket_fonts: dict = {}  # font -> Counter: did its brackets store the logical character?

    def render_char(self, matrix, font, fontsize, scaling, rise, cid, ncs, graphicstate):
        advance = super().render_char(matrix, font, fontsize, scaling, rise, cid, ncs, graphicstate)
        item = self.cur_item._objs[-1]
        item.glyph_name = getattr(font, "glyph_names", {}).get(cid)
        return advance

    def end_page(self, page):
        page_item = self.cur_item
        self.undefined_glyphs += _prepare_container(page_item)
        self._page_rtl = _is_rtl_page(page_item)
        if self._page_rtl:
            # Mirror x so pdfminer's left-to-right column ordering yields right-to-left order.
            _mirror(page_item, page_item.x0 + page_item.x1)
        super().end_page(page)

    def receive_layout(self, ltpage: LTPage) -> None:
        axis = ltpage.x0 + ltpage.x1 if self._page_rtl else None
        if not self.paragraphs:
            lines = [_line_text(line, axis, self._page_rtl, self.bracket_fonts) for line in _text_lines(ltpage)]
            self.pages.append("\n".join(line for line in lines if line))
            return
        out: list[str] = []
        previous = None  # last line written, to join a paragraph that pdfminer cut into two boxes
        for box in _reading_order(list(_text_boxes(ltpage))):
            lines = [line for line in box if isinstance(line, LTTextLine)]
            texts = [_line_text(line, axis, self._page_rtl, self.bracket_fonts) for line in lines]
            pairs = [(line, text) for line, text in zip(lines, texts, strict=True) if text]
            kept = join_baseline_pieces([line for line, _ in pairs], [text for _, text in pairs])
            breaks = _paragraph_breaks([line for line, _ in kept], [text for _, text in kept])
            if out and kept and not _continues(previous, out[-1], kept[0][0]):
                out.append("")  # a text box is a paragraph (or more) of its own
            if kept:
                previous = kept[-1][0]
            for index, (_, text) in enumerate(kept):
                if index in breaks:
                    out.append("")
                out.append(text)
        self.pages.append("\n".join(out))


def _encoding_glyph_names(spec) -> dict[int, str]:
    """Map character codes to glyph names from a simple font's /Encoding /Differences array."""
    encoding = resolve1(spec.get("Encoding")) if isinstance(spec, dict) else None
    if not isinstance(encoding, dict):
        return {}
    names: dict[int, str] = {}
    code = 0
    for entry in resolve1(encoding.get("Differences")) or []:
        entry = resolve1(entry)
        if isinstance(entry, int):
            code = entry
        elif isinstance(entry, PSLiteral):
            names[code] = str(entry.name)
            code += 1
    return names


# ---------------------------------------------------------------------------
# Glyph preparation (before pdfminer's layout analysis)
# ---------------------------------------------------------------------------


def _fold(text: str) -> str:
    """Fold presentation forms (incl. lam-alef ligatures) to base letters; drop bidi controls."""
    out = []
    for char in text:
        code = ord(char)
        if 0xFB50 <= code <= 0xFDFF or 0xFE70 <= code <= 0xFEFF:
            folded = unicodedata.normalize("NFKC", char)
            # Isolated harakat forms (U+FE70..) decompose to space + mark; keep just the mark.
            out.append(folded.lstrip(" ") or folded)
        else:
            out.append(char)
    return "".join(out).translate(_DROPPED_CHARS)


def _dot_kind(glyph_name: str | None, text: str) -> str | None:
    """The kind of a separate dot/hamza glyph (``above2``, ``hamza_below``...), or None for other glyphs."""
    if not glyph_name or not _DOT_NAME.search(glyph_name) or _is_arabic(text):
        return None
    name = glyph_name.lower()
    below = any(word in name for word in ("below", "down", "bottom"))
    if "madda" in name:
        return "madda"
    if "hamza" in name:
        return "hamza_below" if below else "hamza_above"
    count = 3 if ("three" in name or "3" in name) else 2 if ("two" in name or "2" in name) else 1
    return f"{'below' if below else 'above'}{count}"


def _is_combining(text: str) -> bool:
    return bool(text) and all(unicodedata.combining(char) for char in text)


def _is_arabic(text: str) -> bool:
    return any(unicodedata.bidirectional(char) in ("AL", "R") for char in text)


def _prepare_container(container) -> int:
    """Fold glyph texts, move marks onto their base glyphs, drop empty glyphs. Returns undefined-glyph count."""
    undefined = 0
    kept: list = []
    chars: list = []
    for obj in container:
        if isinstance(obj, LTFigure):
            undefined += _prepare_container(obj)
            kept.append(obj)
            continue
        if not isinstance(obj, LTChar):
            kept.append(obj)
            continue
        raw = obj.get_text()
        obj.dot_kind = _dot_kind(getattr(obj, "glyph_name", None), raw)
        if raw.startswith("(cid:") and obj.dot_kind is None:
            undefined += 1
            continue
        obj.glyph = _Glyph(_fold(raw))
        chars.append(obj)
    _attach_marks(chars)
    for char in chars:
        if char.dot_kind is None and not _is_combining(char.glyph.text) and char.glyph.text:
            char._text = _compose(char)
            kept.append(char)
    container._objs = kept
    return undefined


def _attach_marks(chars: list) -> None:
    """Attach every mark glyph (dot or combining) to the nearest base glyph among its stream neighbours."""
    for index, mark in enumerate(chars):
        is_dot = mark.dot_kind is not None
        if not is_dot and not _is_combining(mark.glyph.text):
            continue
        x = (mark.x0 + mark.x1) / 2
        base = _nearest_base(chars, index, x)
        if base is not None:
            base.glyph.marks.append((x, mark.dot_kind if is_dot else mark.glyph.text, is_dot))


def _nearest_base(chars: list, index: int, x: float):
    """Pick the letter glyph whose x-range is closest to ``x``; ties go to the glyph drawn after the mark."""
    mark = chars[index]
    best, best_key = None, None
    low, high = max(0, index - _MARK_NEIGHBOURS), min(len(chars), index + _MARK_NEIGHBOURS + 1)
    for other_index in range(low, high):
        other = chars[other_index]
        if other_index == index or other.dot_kind is not None or not _is_letter_glyph(other.glyph.text):
            continue
        if mark.dot_kind is not None and not any((letter, mark.dot_kind) in _DOTTED for letter in other.glyph.text):
            continue  # a dot only goes on a letter it can complete
        if abs((other.y0 + other.y1) / 2 - (mark.y0 + mark.y1) / 2) > max(other.size, mark.size):
            continue
        distance = max(other.x0 - x, x - other.x1, 0.0)
        key = (round(distance, 2), other_index < index, abs((other.x0 + other.x1) / 2 - x))
        if best_key is None or key < best_key:
            best, best_key = other, key
    return best


def _is_letter_glyph(text: str) -> bool:
    return bool(text) and text[0] != _TATWEEL and unicodedata.category(text[0]).startswith("L")


def _compose(char) -> str:
    """The glyph's text with its dot marks applied and combining marks inserted after their letter."""
    components = list(char.glyph.text)
    extra: list[list[str]] = [[] for _ in components]
    dots = [(x, mark) for x, mark, is_dot in char.glyph.marks if is_dot]
    for slot, kind in _assign_dots(char, dots).items():
        components[slot] = _DOTTED[(components[slot], kind)]
    for x, mark, is_dot in sorted(char.glyph.marks):
        if not is_dot:
            extra[_slot_at(char, x)].append(mark)
    components = [_UNDOTTED_DEFAULT.get(letter, letter) for letter in components]
    return "".join(letter + "".join(marks) for letter, marks in zip(components, extra, strict=True))


def _slot_at(char, x: float) -> int:
    """Which letter of a (ligature) glyph lies under ``x``: letters sit side by side, the first on the right for Arabic."""
    count = len(char.glyph.text)
    width = (char.x1 - char.x0) or 1.0
    offset = (char.x1 - x) if _is_arabic(char.glyph.text) else (x - char.x0)
    return min(count - 1, max(0, int(offset / width * count)))


def _assign_dots(char, dots: list[tuple[float, str]]) -> dict[int, str]:
    """Give each dot mark to one letter it can dot; one mark per letter.

    Dots of a final yeh hang under its bowl, which reaches under the previous letter, so a dot's
    absolute x is unreliable; the *order* of the marks is not.  Several marks therefore go to the
    letters in reading order (first mark on the right for Arabic), skipping letters that cannot
    take them; a single mark goes to the nearest letter that can take it.
    """
    letters = char.glyph.text
    last_is_final = not re.search(r"\.(i|m|init|medi)\b", getattr(char, "glyph_name", None) or "")

    def can_take(slot: int, kind: str) -> bool:
        if (letters[slot], kind) not in _DOTTED:
            return False
        if letters[slot] == "ى" and slot == len(letters) - 1 and last_is_final and len(letters) > 1:
            return kind in ("below2", "hamza_above")  # a word-final yeh takes only these
        return True

    rtl = _is_arabic(letters)
    ordered = sorted(dots, key=lambda dot: -dot[0] if rtl else dot[0])
    assigned: dict[int, str] = {}
    next_slot = 0
    for x, kind in ordered:
        free = [slot for slot in range(len(letters)) if slot not in assigned and can_take(slot, kind)]
        if not free:
            continue
        in_order = [slot for slot in free if slot >= next_slot]
        if len(ordered) > 1 and in_order:
            slot = in_order[0]
        else:
            preferred = _slot_at(char, x)
            slot = min(free, key=lambda candidate: (abs(candidate - preferred), candidate))
        assigned[slot] = kind
        next_slot = slot + 1
    return assigned


def _is_rtl_page(container) -> bool:
    arabic, latin = _letter_counts(container)
    return arabic > 0 and arabic >= latin


def _letter_counts(container) -> tuple[int, int]:
    arabic = latin = 0
    for obj in container:
        if isinstance(obj, LTFigure):
            sub_arabic, sub_latin = _letter_counts(obj)
            arabic, latin = arabic + sub_arabic, latin + sub_latin
        elif isinstance(obj, LTChar):
            text = obj.get_text()
            arabic += sum(unicodedata.bidirectional(c) in ("AL", "R") for c in text)
            latin += sum(unicodedata.bidirectional(c) == "L" for c in text)
    return arabic, latin


def _mirror(container, axis: float) -> None:
    """Reflect every object's x coordinates about ``axis`` (x -> axis - x), recursively."""
    for obj in container:
        if isinstance(obj, LTFigure):
            _mirror(obj, axis)
        obj.set_bbox((axis - obj.x1, obj.y0, axis - obj.x0, obj.y1))


def _line_text(line, axis: float | None, page_rtl: bool, bracket_memory: dict | None = None) -> str:
    """One line's text in logical order. ``axis`` undoes the page mirroring (None: page not mirrored);
    ``bracket_memory``: what earlier lines showed about each font's brackets (see ``pdf_bidi``)."""
    glyphs = []
    for char in line:
        if not isinstance(char, LTChar):
            continue
        x0, x1 = (axis - char.x1, axis - char.x0) if axis is not None else (char.x0, char.x1)
        glyphs.append((x0, x1, char.size, char.get_text(), char.fontname))
    if not glyphs:
        return ""
    arabic = sum(_is_arabic(text) for *_, text, _ in glyphs)
    latin = sum(any(unicodedata.bidirectional(c) == "L" for c in text) for *_, text, _ in glyphs)
    # Visual order cannot tell "Vision 2030 رؤية" in an LTR line from "رؤية 2030 Vision" in an RTL one:
    # follow the page's direction when the line has Arabic at all.
    rtl = arabic > latin or (arabic > 0 and page_rtl)
    glyphs.sort(key=lambda glyph: -(glyph[0] + glyph[1]) if rtl else glyph[0] + glyph[1])
    cells, fonts = _cells_with_spaces(glyphs, rtl)
    return _visual_to_logical(cells, rtl, fonts, bracket_memory).strip()


def _cells_with_spaces(
    glyphs: list[tuple[float, float, float, str, str]], rtl: bool
) -> tuple[list[str], list[str | None]]:
    """Glyph texts in visual reading order, with one space wherever glyphs are a word gap apart,
    and the font of each (None for an inserted space)."""
    cells: list[str] = []
    fonts: list[str | None] = []
    previous = None
    for x0, x1, size, text, font in glyphs:
        if previous is not None:
            gap = (previous[0] - x1) if rtl else (x0 - previous[1])
            if gap > _SPACE_GAP_EM * max(size, previous[2]):
                cells.append(" ")
                fonts.append(None)
        # Tatweel only stretches a word (justification): it keeps its place but adds no text.
        text = text.replace(_TATWEEL, "")
        if text:
            cells.append(" " if text.isspace() else text)
            fonts.append(font)
        previous = (x0, x1, size)
    kept = [i for i, cell in enumerate(cells) if not (cell == " " and i and cells[i - 1] == " ")]
    return [cells[i] for i in kept], [fonts[i] for i in kept]
