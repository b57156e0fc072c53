"""UTF-8 Arabic that was decoded as Windows-1252 (mojibake, «Ø§Ù„…»), restored with ftfy.

A file (or one pasted paragraph) whose UTF-8 bytes were read as cp1252 and saved again shows
Arabic letters as pairs of Latin-1 characters: «ا» (D8 A7) as «Ø§».  ``ftfy.fix_encoding``
(Speer, ftfy 6) undoes this losslessly, segment by segment, and leaves other text alone.

One byte pair cannot survive the round trip: the second byte of «ف» (D9 81) is undefined in
cp1252, so a strict decoder wrote U+FFFD for it.  After «Ù» (D9) the bytes cp1252 leaves
undefined (81, 8D, 8F, 90, 9D) are «ف» and four marks or rare signs; in Arabic running text the
letter is the only reading that occurs, so «Ù» + U+FFFD is taken as D9 81 before ftfy runs (and
counted: ``feh_restored``).
"""

from __future__ import annotations

import re

# A lead byte of a two-byte Arabic UTF-8 sequence (D8-DB as Ø Ù Ú Û) followed by a cp1252
# character that stands for a continuation byte (80-BF): the signature of Arabic mojibake.
_MOJIBAKE_RE = re.compile(
    "[ØÙÚÛ][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122\ufffd]"
)
_LOST_FEH = "Ù\ufffd"


def mojibake_pairs(text: str) -> int:
    """How many Arabic-mojibake byte pairs ``text`` holds (0 for clean text)."""
    return len(_MOJIBAKE_RE.findall(text))


def fix_mojibake(text: str) -> tuple[str, dict[str, int]]:
    """``text`` with its Arabic mojibake decoded again; counts of what was done.

    Returns ``(text, counts)``; counts has ``mojibake_pairs`` (pairs seen), ``mojibake_fixed``
    (pairs that ftfy turned back into Arabic) and ``feh_restored``.  Text without the signature
    comes back as it is.
    """
    pairs = mojibake_pairs(text)
    if not pairs:
        return text, {}
    import ftfy  # deferred: only damaged files need it

    feh = text.count(_LOST_FEH)
    fixed = ftfy.fix_encoding(text.replace(_LOST_FEH, "Ù\x81"))
    left = mojibake_pairs(fixed)
    if left >= pairs:  # ftfy found no consistent re-decoding: keep the input, report it
        return text, {"mojibake_pairs": pairs, "mojibake_unfixed": pairs}
    counts = {"mojibake_pairs": pairs, "mojibake_fixed": pairs - left}
    if feh:
        counts["feh_restored"] = feh
    if left:
        counts["mojibake_unfixed"] = left
    return fixed, counts
