"""The text of a .docx paragraph as Word shows it, read from its XML (python-docx's ``Paragraph.text``
reads only the paragraph's direct runs: text inside tracked insertions, hyperlinks and text boxes was
lost).  Used by :func:`pipeline.stages.formats.docx_text`."""

from __future__ import annotations

from typing import Any

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# Markup that holds no text of the document as it stands: deleted or moved-away tracked changes, and
# the fallback copy of a drawing (its text box is read from the drawing itself).
_DOCX_SKIPPED = (_W + "del", _W + "moveFrom", "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback")


def docx_paragraph_text(paragraph: Any) -> tuple[str, list[str]]:
    """``(text, text boxes)`` of a ``<w:p>`` element, as Word shows it with tracked changes accepted:
    runs inside ``<w:ins>``, ``<w:moveTo>``, hyperlinks and fields count (python-docx's ``Paragraph.text``
    reads only the paragraph's direct runs and lost inserted clauses), deleted ones do not; each text
    box's paragraphs come apart, in order, as blocks of their own."""
    parts: list[str] = []
    boxes: list[str] = []
    stack = list(reversed(list(paragraph)))
    while stack:
        node = stack.pop()
        tag = node.tag
        if tag in _DOCX_SKIPPED:
            continue
        if tag == _W + "txbxContent":
            boxes.extend(docx_paragraph_text(p)[0].strip() for p in node.iter(_W + "p"))
        elif tag == _W + "t":
            parts.append(node.text or "")
        elif tag == _W + "tab":
            parts.append("\t")
        elif tag in (_W + "br", _W + "cr"):
            parts.append("\n")
        else:
            stack.extend(reversed(list(node)))
    return "".join(parts), boxes
