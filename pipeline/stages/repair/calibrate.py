"""Self-calibration: measure what each candidate substitution map would do to a document first.

A map is applied to a document only where the evidence says the document was damaged that way:
the share of its Arabic tokens that are known words (the ``wordfreq`` Arabic lexicon) must rise
by a clear margin when the map is applied.  The maps measured here are

``line_reversal``
    whole lines stored in reversed (visual) character order, with or without presentation
    forms: «ةبكرملا ةحول» is «لوحة المركبة».  Decided per line (a line is reversed when that
    turns its tokens into words), see :func:`reverse_line`.
``ligature_pairs``
    word processors' PDF exports give some two-letter ligature glyphs (lam-meem, lam-alef,
    feh-yeh, ...) a ToUnicode entry that lists the letters in visual order, so every such pair
    comes out swapped: «يف» for «في», «املجلس» for «المجلس».  Each font has its own set of
    ligatures, so the set is learnt per document (:func:`ligatures.learn_ligature_pairs`), from two
    kinds of evidence that must agree: the swapped reading turns unknown tokens into known
    words, and the pair's logical order is (nearly) missing from the document while its
    reversed order is over-represented, compared with the lexicon's own bigram rates.

Every map is a documented letter permutation: it never adds, drops or changes a letter, so the
multiset of letters of a repaired word equals that of the damaged one.
"""

from __future__ import annotations

import re

from pipeline.stages.pdf_bidi import _MIRRORED, _brackets_balanced
from pipeline.stages.repair import glyphs

_ARABIC_LETTERS = "\u0621-\u063a\u0641-\u064a"
_TOKEN_RE = re.compile(f"[{_ARABIC_LETTERS}][{_ARABIC_LETTERS}]*")
_KNOWN_ZIPF = 1.0  # a token is a "known word" from this zipf on (wordfreq lists junk below it)
LIGATURE_SAMPLE_CHARS = 100_000  # characters of a document the pair statistics look at (~15,000 words)
LIGATURE_SIGNS_MIN = 1  # the full measurement runs when the text shows this many signs of swapped pairs ...
LIGATURE_SIGNS_SHARE = 0.002  # ... and this many per token
REVERSAL_MIN_GAIN = 0.34  # a line is reversed when that raises its known share by this much ...
REVERSAL_MIN_TOKENS = 2  # ... and it has at least this many Arabic tokens of three letters or more ...
REVERSAL_MIN_SHARE = 0.5  # ... and at least this share of its tokens are words once reversed


def known(key: str) -> bool:
    """Whether ``key`` (Arabic letters only) is a known word."""
    return glyphs._key_zipf(key) >= _KNOWN_ZIPF


def known_share(text: str) -> tuple[int, int]:
    """(known tokens, Arabic tokens) of ``text``."""
    tokens = _TOKEN_RE.findall(text)
    # known() for every token without a Python call per token: zipf >= _KNOWN_ZIPF, i.e. _KNOWN_ZIPF <= zipf.
    return sum(map(_KNOWN_ZIPF.__le__, map(glyphs._key_zipf, tokens))), len(tokens)


# -- line reversal ---------------------------------------------------------------------------

_MARKS_CLASS = "\u064b-\u065f\u0670"
_MARKS_BEFORE_BASE_RE = re.compile(f"([{_MARKS_CLASS}]+)([^{_MARKS_CLASS}])")
# A token that starts with a letter only ever written at a word's end (teh marbuta, alef maksura,
# or their presentation forms): no logical-order line has many, most reversed lines have one.
# Only a pre-check (the known-word share decides); a document found to hold reversed lines has
# every line checked.  The class comes first so that ``re`` scans for it in C.
_REVERSED_START_RE = re.compile("[\u0629\u0649\ufe93\ufe94\ufeef\ufef0](?<!\\S.)")
# The same, one pattern per letter, for whole documents: a literal lead is found in C (~1.5x faster).
_REVERSED_START_RES = tuple(re.compile(f"{letter}(?<!\\S.)") for letter in "\u0629\u0649\ufe93\ufe94\ufeef\ufef0")


# Runs a right-to-left display shows left to right, found on the line as extracted (display order):
# a Latin word with the Latin words and numbers after it up to the next Arabic letter or bracket
# («United Nations», «SDG 4 3.5%», «COVID-19»: digits after Latin join its run, UAX #9 rule W7; a
# number before a Latin word is read as one after it, display order cannot tell them apart), or a
# number («63/202», «3.5»; a space, «-» or «%» separates numbers, W2/W4: «10-20» shows as «20-10»).
_LTR_TOKEN = "[0-9A-Za-z\u0660-\u0669]+(?:[/.,:٫٬][0-9A-Za-z\u0660-\u0669]+)*"
_LATIN_TOKEN = "[0-9]*[A-Za-z][0-9A-Za-z]*(?:[/.,:_?=&#@-]+[0-9A-Za-z]+)*"  # a word, «COVID-19», a URL
# Between two Latin words (or a Latin word and a number after it) spaces and punctuation are part
# of the left-to-right run (UAX #9 N1: neutrals between two L resolve to L): «WHY WE SLEEP: Unlocking».
_LTR_UNIT_RE = re.compile(f"{_LATIN_TOKEN}(?:[ ,.:;!?'&+/_-]+{_LTR_TOKEN})*%?|{_LTR_TOKEN}")


_YEAR_RE = re.compile(r"^[0-9]{4}$")
_LATIN_WORD_RE = re.compile("[A-Za-z]{3,}")


def ltr_convention(lines: list[str]) -> str | None:
    """Whether reversed ``lines`` (as extracted) kept their left-to-right runs in order, as a display
    draws them (``"kept"``: «2019», «UN»), or were reversed as whole strings (``"reversed"``: «9102»,
    «NU»), from the runs that tell: four-digit numbers that are years (1900-2100) one way and not the
    other, Latin words that English knows (wordfreq, zipf >= 3) one way and not the other.  None when
    nothing tells (the display reading is then taken)."""
    kept = flipped = 0
    for line in lines:
        for match in _LTR_UNIT_RE.finditer(line):
            for token in match.group().split():
                if _YEAR_RE.match(token):
                    as_is, back = 1900 <= int(token) <= 2100, 1900 <= int(token[::-1]) <= 2100
                else:
                    words = _LATIN_WORD_RE.findall(token)
                    if not words:
                        continue
                    as_is, back = _english(words[0]), _english(words[0][::-1])
                kept += as_is and not back
                flipped += back and not as_is
    if kept == flipped:
        return None
    return "kept" if kept > flipped else "reversed"


def _english(word: str) -> bool:
    import wordfreq

    return wordfreq.zipf_frequency(word, "en") >= 3.0


def reverse_line(line: str, marks: str | None = None, ltr: str = "kept") -> str:
    """``line`` (a right-to-left line as displayed, extracted left to right) in logical order.

    The characters are reversed, except the runs a display shows left to right (Latin text with
    its digits, numbers: ``_LTR_UNIT_RE``); brackets are mirrored when that, not the text as
    reversed, pairs each opening bracket with a later closing one (a display draws a bracket at
    right-to-left level mirrored, and most producers store the glyph they drew).  Marks: a producer
    that writes a mark after its base letter in display order (a content stream, ``marks="stream"``)
    leaves it before its letter once reversed, and it is moved back; one that reversed a string
    (``"reversed"``) leaves it right.  ``None`` decides from the line (:func:`mark_convention`; no
    evidence: ``"stream"``).  Presentation forms are kept (fold afterwards): a lam-alef ligature
    glyph is one character, so reversing before folding keeps «لا» in order.  ``ltr="reversed"``
    (:func:`ltr_convention`): the line is a whole string reversed, numbers and Latin too, and its
    exact reversal is its logical order (brackets and marks come back as they were).
    """
    if ltr == "reversed":
        return line[::-1]
    reversed_line = _reverse_keeping_ltr(line)
    if any(bracket in reversed_line for bracket in "()[]{}<>«»"):
        mirrored = _mirror_outside_ltr(reversed_line)
        if _brackets_balanced(mirrored) and not _brackets_balanced(reversed_line):
            reversed_line = mirrored
    if marks is None and _MARKS_RE.search(reversed_line):
        marks = mark_convention([reversed_line])
    if marks != "reversed" and _MARKS_RE.search(reversed_line):
        # The marks of one letter keep their order (shadda before fatha as written).
        reversed_line = _MARKS_BEFORE_BASE_RE.sub(lambda match: match.group(2) + match.group(1)[::-1], reversed_line)
    return reversed_line


def _reverse_keeping_ltr(line: str) -> str:
    """``line`` in reversed character order, its left-to-right runs (``_LTR_UNIT_RE``) kept."""
    pieces, position = [], 0
    for match in _LTR_UNIT_RE.finditer(line):
        pieces.append(line[position : match.start()][::-1])
        pieces.append(match.group())  # kept in its order
        position = match.end()
    pieces.append(line[position:][::-1])
    return "".join(reversed(pieces))


def mark_convention(lines: list[str]) -> str | None:
    """How the producer of reversed ``lines`` wrote marks, from the lines reversed as they stand
    (:func:`_reverse_keeping_ltr`, or :func:`reverse_line` before its marks step): ``"reversed"``
    when more marks end a word than start one (a reversed string keeps «حجماً» whole), ``"stream"``
    when more start one (a mark written after its letter in display order starts the reversed
    word: «َوقال»), None without such marks."""
    start = sum(len(_MARKS_AT_WORD_START_RE.findall(line)) for line in lines)
    end = sum(len(_MARKS_AT_WORD_END_RE.findall(line)) for line in lines)
    if start == end:
        return None
    return "stream" if start > end else "reversed"


def _mirror_outside_ltr(text: str) -> str:
    """``text`` with its brackets mirrored, except inside a left-to-right run."""
    pieces, position = [], 0
    for match in _LTR_UNIT_RE.finditer(text):
        pieces += [text[position : match.start()].translate(_MIRRORED), match.group()]
        position = match.end()
    return "".join(pieces) + text[position:].translate(_MIRRORED)


# Letters and marks, presentation forms included (a reversed line is folded later).
_ANY_LETTER = f"{_ARABIC_LETTERS}\ufb50-\ufdff\ufe80-\ufefc"
_ANY_MARK = f"{_MARKS_CLASS}\ufe70-\ufe7f"
_MARKS_AT_WORD_START_RE = re.compile(f"(?:^|(?<=[^{_ANY_LETTER}{_ANY_MARK}]))[{_ANY_MARK}]")
_MARKS_AT_WORD_END_RE = re.compile(f"(?<=[{_ANY_LETTER}])[{_ANY_MARK}]+(?:$|(?=[^{_ANY_LETTER}{_ANY_MARK}]))")


# Fast necessary signs (literal-led patterns, scanned at C speed): a word-final-only letter
# followed by a letter, as every reversed word ending in ة or ى shows, or presentation forms.
# A damaged initial yeh «ی» counts as a letter: repair turns it into «ي», and a line must be judged
# the same before and after (idempotence).
_REVERSAL_SIGNS = (re.compile("\u0629[\u0621-\u064a\u06cc]"), re.compile("\u0649[\u0621-\u064a\u06cc]"))


_MARKS_RE = re.compile(f"[{_MARKS_CLASS}]")


def _measured(line: str) -> str:
    """``line`` as the reversal measures it: presentation forms folded, «ی» read as «ي», no tatweel,
    no marks (a mark would cut «اًريثك» into two tokens)."""
    line = glyphs._fold_presentation_forms(line).replace(glyphs.FARSI_YEH, glyphs.YEH).replace(glyphs.TATWEEL, "")
    return _MARKS_RE.sub("", line) if _MARKS_RE.search(line) else line


def may_hold_reversed_lines(text: str, presentation_forms: bool) -> bool:
    """Cheap pre-check for a whole document before :func:`looks_reversed` runs line by line
    (``presentation_forms``: whether the text holds any, as ``_has_presentation_forms`` says)."""
    return presentation_forms or any(sign.search(text) for sign in _REVERSAL_SIGNS)


def looks_reversed(line: str) -> bool:
    """Cheap pre-check: does ``line`` hold a token that starts with a word-final-only letter?"""
    # Tatweel before a final letter («ـى») goes in repair: judge the line as it will be read again.
    return _REVERSED_START_RE.search(line.replace("\u0640", "") if "\u0640" in line else line) is not None


def lines_looking_reversed(text: str) -> list[int]:
    """Indices of the lines of ``text`` (split at "\\n") that :func:`looks_reversed`, in one scan."""
    scanned = text.replace("\u0640", "") if "\u0640" in text else text  # tatweel is no line break
    indices, line, position = [], 0, 0
    for start in sorted(match.start() for pattern in _REVERSED_START_RES for match in pattern.finditer(scanned)):
        line += scanned.count("\n", position, start)
        position = start
        if not indices or indices[-1] != line:
            indices.append(line)
    return indices


def reversal_gain(line: str) -> tuple[float, float]:
    """(known share of ``line``, known share of its reversal), presentation forms folded.

    Only tokens of three letters or more count: wordfreq knows many two-letter strings.
    """
    before = [token for token in _TOKEN_RE.findall(_measured(line)) if len(token) > 2]
    if not before:
        return 0.0, 0.0
    after = [token[::-1] for token in before]
    return sum(map(known, before)) / len(before), sum(map(known, after)) / len(after)


def should_reverse(line: str, always_check: bool = False) -> bool:
    """Whether ``line`` is stored in reversed character order (evidence: its known-word share)."""
    if not (always_check or looks_reversed(line)):
        return False
    tokens = _TOKEN_RE.findall(_measured(line))
    # A document known to hold reversed lines has its one-word lines (headings) checked too.
    if sum(len(token) > 2 for token in tokens) < (1 if always_check else REVERSAL_MIN_TOKENS):
        return False
    before, after = reversal_gain(line)
    if after < REVERSAL_MIN_SHARE or after - before < REVERSAL_MIN_GAIN:
        return False
    # A line checked on its own needs two words that reversal makes: one alone happens by chance
    # («ىءء0كزع» holds «عزك» reversed), and repair must not then reverse its own output.
    return always_check or _known_reversed(tokens) >= REVERSAL_MIN_TOKENS


def _known_reversed(tokens: list[str]) -> int:
    """How many of ``tokens`` (three letters or more) are known words once reversed."""
    return sum(1 for token in tokens if len(token) > 2 and known(token[::-1]))


# -- signs of swapped ligature pairs --------------------------------------------------------

# Spellings that clean Arabic (nearly) never has and swapped lam/feh ligatures make often: alef
# before a hamza'd alef or lam-after-alef («األول», «اإلصالح», «االلتزام», «إال»), the article with a
# swapped lam-meem / hah / jeem / khah at a word's start («املجلس», «احلكومات»), «يف» or «ال»
# standing alone, alef maksura inside a word («عىل», «إىل»), a word ending in «الل» («خالل»).
_LIGATURE_SIGNS_RE = re.compile(
    "[اإ](?:[أإآ]|ال)|(?<= )(?:ا[محجخ]ل|يف |ال(?= ))|\u0649[\u0621-\u064a]|الل(?![\u0621-\u064a\u064b-\u065f])"
)


# Literal-led versions of the signs, for a fast first look at clean text: «األ», «اإل», «يف» alone,
# alef maksura inside a word, the article before a swapped lam-meem, «اآل», the article before a
# swapped lam-hah / jeem / khah.  One pattern per lead letter: ``re`` finds a literal lead in C,
# while a class lead («[أإآ]») is tested character by character (on clean news, 9 literal-led
# scans take a third of the time of 5 class-led ones; issue 18).
_FAST_SIGNS = tuple(
    re.compile(pattern)
    for pattern in (
        "\u0623(?<=\u0627\u0623)",
        "\u0625(?<=\u0627\u0625)",
        "\u0622(?<=\u0627\u0622)",
        "\u0641(?<= \u064a\u0641)(?= )",
        "\u0649[\u0621-\u064a]",
        "\u0645(?<= \u0627\u0645)\u0644",
        "\u062d(?<= \u0627\u062d)\u0644",
        "\u062c(?<= \u0627\u062c)\u0644",
        "\u062e(?<= \u0627\u062e)\u0644",
        "\u0627\u0644 (?<= \u0627\u0644 )",  # «ال» alone: a swapped «لا»
        "\u0627\u0644\u0644(?![\u0621-\u064a\u064b-\u065f])",  # a word ending in «الل»: «خالل» for «خلال»
    )
)


def ligature_signs(text: str) -> bool:
    """Cheap pre-check: does ``text`` show enough signs of swapped ligature pairs?"""
    if not any(sign.search(text) for sign in _FAST_SIGNS):
        return False
    signs = len(_LIGATURE_SIGNS_RE.findall(text))
    return signs >= max(LIGATURE_SIGNS_MIN, LIGATURE_SIGNS_SHARE * (text.count(" ") + 1))
