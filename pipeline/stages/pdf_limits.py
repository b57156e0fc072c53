"""A limit on what the PDF reader inflates: a decompression bomb is reported, not decoded.

pdfminer inflates every stream it needs whole (``zlib.decompress``), with no limit of its own: a
0.26 MB PDF whose page content inflates to 256 MB took 511 s of CPU, a 2 MB one inflating to 2 GB
held 2.15 GB.  Before a page is interpreted, :func:`check_inflated_sizes` inflates each stream
pdfminer will decode for it with zlib's bounded output (``max_length``), so the check itself never
holds more than the limit.
"""

from __future__ import annotations

import zlib

from pdfminer.pdfpage import PDFPage
from pdfminer.pdftypes import LITERALS_FLATE_DECODE, PDFStream, resolve1
from pdfminer.psparser import LIT

MAX_STREAM_MB = 64  # default limit on a decoded stream (a real page's content is a few MB at most)
LITERAL_FORM = LIT("Form")


class StreamTooLarge(Exception):
    """A stream inflates to more than the limit (args: its object id)."""


# The streams of a page pdfminer decodes to extract text: (key in the page's resources, keys of each entry).
_FONT_STREAMS = ("ToUnicode", "FontFile", "FontFile2", "FontFile3")


def check_inflated_sizes(page: PDFPage, limit: int, checked: set[int]) -> None:
    """Raise StreamTooLarge when a stream pdfminer will decode for ``page`` inflates to more than ``limit``
    bytes: its content streams, form XObjects, and fonts' ToUnicode maps and font programs.

    zlib's ``max_length`` bounds the check itself to ``limit`` bytes of output; streams of other
    filters are left to the document's budget (:mod:`pipeline.run.budget`).  Image XObjects are not
    checked: pdfminer does not decode them when it extracts text.
    """
    streams = [resolve1(c) for c in page.contents]
    resources = [resolve1(page.resources)]
    for xobject in _values(resources[0], "XObject"):
        if isinstance(xobject, PDFStream) and xobject.get("Subtype") == LITERAL_FORM:
            streams.append(xobject)
            resources.append(resolve1(xobject.get("Resources")))  # a form's own fonts
    fonts = [font for found in resources for font in _values(found, "Font")]
    while fonts:
        font = resolve1(fonts.pop())
        if not isinstance(font, dict):
            continue
        fonts.extend(resolve1(font.get("DescendantFonts")) or [])
        descriptor = resolve1(font.get("FontDescriptor")) or {}
        for owner in (font, descriptor if isinstance(descriptor, dict) else {}):
            streams.extend(resolve1(owner.get(key)) for key in _FONT_STREAMS if key in owner)
    for stream in streams:
        if not isinstance(stream, PDFStream) or stream.rawdata is None or id(stream) in checked:
            continue
        checked.add(id(stream))
        filters = stream.get_filters()
        if not filters or filters[0][0] not in LITERALS_FLATE_DECODE:
            continue
        data = stream.rawdata
        if stream.decipher:
            data = stream.decipher(stream.objid, stream.genno, data, stream.attrs)
        try:
            size = len(zlib.decompressobj().decompress(data, limit + 1))
        except zlib.error:
            continue  # pdfminer reports a damaged stream its own way
        if size > limit:
            raise StreamTooLarge(stream.objid)


def _values(resources: object, key: str) -> list:
    """The resolved entries of ``resources[key]`` (a dictionary of fonts or XObjects), [] when absent or odd."""
    found = resolve1(resources.get(key)) if isinstance(resources, dict) else None
    return [resolve1(v) for v in found.values()] if isinstance(found, dict) else []
