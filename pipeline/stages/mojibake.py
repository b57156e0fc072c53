"""UTF-8 Arabic that was decoded as Windows-1252 (mojibake, «Ø§Ù„…»), restored with ftfy.

A file (or one pasted paragraph) whose UTF-8 bytes were read as cp1252 and saved again shows
Arabic letters as pairs of Latin-1 characters: «ا» (D8 A7) as «Ø§».  ``ftfy.fix_encoding``
(Speer, ftfy 6) undoes this losslessly, segment by segment, and leaves other text alone.

One byte pair cannot survive the round trip: the second byte of «ف» (D9 81) is undefined in
cp1252, so a strict decoder wrote U+FFFD for it.  After «Ù» (D9) the bytes cp1252 leaves
undefined (81, 8D, 8F, 90, 9D) are «ف» and four marks or rare signs; in Arabic running text the
letter is the only reading that occurs, so «Ù» + U+FFFD is taken as D9 81 before ftfy runs (and
counted: ``feh_restored``).

The commonest Arabic mojibake, UTF-8 read as Windows-1256 («ط§ظ„» for «ال»), is outside ftfy's
encodings: its lead bytes D8/D9 read as the Arabic letters «ط»/«ظ».  A word that holds such a
pair is encoded back to cp1256 and decoded as UTF-8, strictly: a clean Arabic word is never valid
UTF-8 that way («طب» is D8 C8), so only mojibake changes (counted in the same ``mojibake_*`` counts).
"""

from __future__ import annotations

import re

# A lead byte of a two-byte Arabic UTF-8 sequence (D8-DB as Ø Ù Ú Û) followed by a cp1252
# character that stands for a continuation byte (80-BF): the signature of Arabic mojibake.
_MOJIBAKE_RE = re.compile(
    "[ØÙÚÛ][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122\ufffd]"
)
_LOST_FEH = "Ù\ufffd"
# cp1256: a lead byte D8-DB (ط ظ ع غ) followed by what cp1256 shows for a continuation byte 80-BF.
# Arabic letters are D8/D9: the look for the signature is led by those two literals (found in C).
_CP1256_CONTINUATION = bytes(range(0x80, 0xC0)).decode("cp1256")
_CP1256_PAIR_RE = re.compile(f"[طظعغ][{re.escape(_CP1256_CONTINUATION)}]")
_CP1256_LOOKS = tuple(re.compile(f"{lead}[{re.escape(_CP1256_CONTINUATION)}]") for lead in "طظ")
_WORD_RE = re.compile(r"\S+")


def may_hold_mojibake(text: str) -> bool:
    """A cheap look: ``text`` shows the signature of either kind (cp1252 or cp1256 readings)."""
    return "Ø" in text or "Ù" in text or _shows_cp1256(text)


def _shows_cp1256(text: str) -> bool:
    return any(look.search(text) for look in _CP1256_LOOKS)


def mojibake_pairs(text: str) -> int:
    """How many Arabic-mojibake byte pairs ``text`` holds (0 for clean text)."""
    return len(_MOJIBAKE_RE.findall(text))


def fix_mojibake(text: str) -> tuple[str, dict[str, int]]:
    """``text`` with its Arabic mojibake decoded again; counts of what was done.

    Returns ``(text, counts)``; counts has ``mojibake_pairs`` (pairs seen), ``mojibake_fixed``
    (pairs that ftfy turned back into Arabic) and ``feh_restored``.  Text without the signature
    comes back as it is.
    """
    text, cp1256 = _fix_cp1256(text)
    pairs = mojibake_pairs(text)
    if not pairs:
        return text, cp1256
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
    for key, n in cp1256.items():
        counts[key] = counts.get(key, 0) + n
    return fixed, counts


def _fix_cp1256(text: str) -> tuple[str, dict[str, int]]:
    """``text`` with its words of UTF-8-read-as-cp1256 mojibake decoded again (see the module doc).

    A token of one pair («ط،», a listed letter and its comma, would read as «ء») is decoded only in a
    text where a longer token decodes too: one pair alone is no evidence."""
    if not _shows_cp1256(text):
        return text, {}
    counts = {"mojibake_pairs": 0, "mojibake_fixed": 0}
    fixed, longer = _decode_cp1256_words(text, counts, min_pairs=2)
    if not longer:
        return text, {}  # no word decoded: clean text whose letters look like the signature
    return _decode_cp1256_words(fixed, counts, min_pairs=1)[0], counts


def _decode_cp1256_words(text: str, counts: dict[str, int], min_pairs: int) -> tuple[str, int]:
    """``text`` with each token of ``min_pairs`` pairs or more that decodes strictly decoded; the pairs decoded."""
    before = counts["mojibake_fixed"]

    def word(match: re.Match) -> str:
        token = match.group()
        pairs = len(_CP1256_PAIR_RE.findall(token))
        if not pairs or pairs < min_pairs:  # most tokens hold no pair
            return token
        try:
            decoded = token.encode("cp1256").decode("utf-8")
        except UnicodeError:  # clean Arabic («ضبط،»), or mojibake with a byte lost: left as it is
            return token  # not counted: clean words show such pairs too
        counts["mojibake_pairs"] += pairs
        counts["mojibake_fixed"] += pairs
        return decoded

    fixed = _WORD_RE.sub(word, text)
    return fixed, counts["mojibake_fixed"] - before
