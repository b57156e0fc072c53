"""The reading-order step of the repair stage (``fix_visual_order``) for one line.

:func:`fix_visual_order_line` lets the bigram-model search (:mod:`.reading_order`) and the evidence
rules (:mod:`.visual_order_rules`) compete; the search is set up here with the lexicon's word tests
(a raw word is known, two pieces re-join, a piece is a fragment).  See
:mod:`pipeline.stages.repair.pdf_artefacts` for the damage this undoes.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from pipeline.stages.repair.glyphs import _LEADING_LAM_ALEF_RE, ALEF_MADDA, KAF, KASHIDA_GLYPH, _key, _key_zipf
from pipeline.stages.repair.reading_order import ReadingOrder
from pipeline.stages.repair.visual_order_rules import (
    _ARABIC_LETTER_RE,
    _FRAGMENT_MAX_ZIPF,
    _GAP_SPLIT_RE,
    _JOIN_MIN_ZIPF,
    _PARAGRAPH_NUMBER_RE,
    _PIECES_MIN_ZIPF,
    _STRONG_RE,
    VISUAL_END_PRIOR,
    _fragment_zipf,
    _joins,
    _known_share,
    _undo_ltr_line,
    fix_visual_order_rules,
)
from pipeline.stages.repair.words import _separate_glued_digits


@lru_cache(maxsize=1)
def _reading_order() -> ReadingOrder | None:
    """The language-model reading-order search (None when the shipped count table is missing)."""
    from pipeline.stages.repair import ngram  # deferred: loading the table takes ~0.5 s

    try:
        model = ngram.load()
    except FileNotFoundError:
        return None
    return ReadingOrder(model, _known_raw, _joins_pieces, _is_fragment)


@lru_cache(maxsize=1 << 16)
def _context_key(context: str, method: str) -> str:
    """The model token of the word a line is read after: all of ``context`` the reading order reads."""
    searcher = _reading_order() if method == "lm" else None
    unit = searcher._context_unit(context) if searcher is not None else None
    return unit.key if unit is not None else ""


@lru_cache(maxsize=1 << 16)
def _after_key(after: str) -> str:
    """The model token of the word a line is read before: all of ``after`` (the next line) the search reads."""
    searcher = _reading_order()
    unit = searcher._context_unit(after, first=True) if searcher is not None else None
    return unit.key if unit is not None else ""


# Prefix letters that never stand alone: a piece made only of them is a fragment («و», «وب», «فال»).
_PREFIX_PIECE_RE = re.compile("^(?:[وف]?[بلك]?(?:ال)?|[وف]?لل)$")


# Plural and pronoun endings that the lexicon knows as words of their own («ين», «ون»: in wordfreq from
# other spellings and transliterations) but that stand alone only when cut from their word.
_SUFFIX_PIECES = frozenset({"ين", "ون", "ات", "ها", "هم"})


def _is_fragment(word: str) -> bool:
    """Whether a raw word could be one side of a word cut in two (:func:`_joins_pieces` needs one)."""
    key = _key(word)
    return bool(_PREFIX_PIECE_RE.match(key)) or key in _SUFFIX_PIECES or _fragment_zipf(key) < _FRAGMENT_MAX_ZIPF


def _joins_pieces(left: str, right: str) -> bool:
    """:func:`_joins`, and also a detached prefix («و», «وب») before the word it starts («وب» + «النسبة»).

    The rules keep a detached wa- out (it says nothing about order there); the model search only asks
    this at a junction it is scoring, where the re-joined word is what makes that junction likely.
    """
    if _joins(left, right):
        return True
    head, tail = _key(left), _key(right)
    if not head or not tail:
        return False
    if _PREFIX_PIECE_RE.match(head):
        return _key_zipf(head + tail) >= _JOIN_MIN_ZIPF
    if tail in _SUFFIX_PIECES:  # «المساهم» + «ين»: a word that is commoner with its ending than without
        whole = _key_zipf(head + tail)
        return whole >= _JOIN_MIN_ZIPF and whole > _key_zipf(head)
    # A rare piece and a rare or two-letter one («تنب» + «غي»): a lexicon word they make is evidence.
    scores = sorted((_fragment_zipf(head), _fragment_zipf(tail)))
    weak = scores[0] < _FRAGMENT_MAX_ZIPF and (scores[1] < _FRAGMENT_MAX_ZIPF or min(len(head), len(tail)) <= 2)
    return weak and _key_zipf(head + tail) >= _PIECES_MIN_ZIPF


def _known_raw(word: str) -> bool:
    """Whether a raw word (ی, ѧ, a damaged آ for kaf) is a lexicon word: zipf >= 2 (rarer forms in the
    lexicon are mostly typos of glued words, «اومع», «إأن»)."""
    key = _key(word)
    return _key_zipf(key) >= 2.0 or (ALEF_MADDA in key and _key_zipf(key.replace(ALEF_MADDA, KAF)) >= 2.0)


_LAM_ALEF_WORD_RE = re.compile(r"(?<!\S)\W*(ل[إأ]\S*)")
_STRIP_MARKS = ".,،؛:()“”\"'"


def _detached_lam_alef(line: str) -> bool:
    """Whether ``line`` holds a word that starts with a lam-alef ligature and is no word («لإت»,
    «لإالمتعلقة», a bare «لإ»): the ligature was drawn apart from the word it belongs to.  A known
    word («لأغراض», «لإدارة») is no such evidence, and the line stays the model search's."""
    if not _LEADING_LAM_ALEF_RE.search(line):
        return False
    words = (match.group(1).strip(_STRIP_MARKS) for match in _LAM_ALEF_WORD_RE.finditer(line))
    return any(len(word) <= 2 or not _known_raw(word) for word in words)


# The rules' reading of a line the search reads, memoised: a unit's second pass asks it again.
_rules_reading = lru_cache(maxsize=1 << 12)(fix_visual_order_rules)

_STABLE_ROUNDS = 3  # readings of a changed line read again, until the line no longer changes


def fix_visual_order_line(
    line: str,
    context: str = "",
    method: str = "rules",
    counts: Counter | None = None,
    visual_end: bool = False,
    after: str = "",
) -> str:
    """One line back in reading order (``method="lm"``: :mod:`.reading_order`; ``"rules"``: the rules below).

    ``context`` is the last word of the previous line in reading order (evidence for the first).
    Lines no reading beats by the search's margin come back unchanged.
    ``counts`` (optional) gets, per line the model search looked at, which reading was taken:
    ``fix_visual_order_model``, ``fix_visual_order_rules`` or ``fix_visual_order_below_margin`` (a
    better reading that did not win by the margin, so the line was left as it was).

    With the model, a changed line is read again (at most ``_STABLE_ROUNDS`` times) until it no longer
    changes, so that repair is idempotent: the model's reading can itself show a seam that the rules
    act on («،تعزيز … تنفيذ» opens with a glued comma, which the rules move to the end).

    ``visual_end``: the structure stage took a paragraph number off this line's right edge (its
    visual end; the unit's ``visual_lines``), evidence that the line's chunks run left to right.  It
    is a prior, not a verdict: the rules count it as they count a number still on the line
    (:data:`~.visual_order_rules.VISUAL_END_PRIOR`), the model searches the line even when it shows
    no seam of its own, and either reading must still win as usual (the model's by the margin), so
    a line whose chunks are one stretch in reading order stays as it is.  Only the raw line has it:
    a reading read again is read without it.

    ``after``: the next line as a first pass read it (``method="lm"`` only): its first unit is read
    after this line's last (:meth:`~.reading_order.ReadingOrder.reorder`).
    """
    fixed = _fix_visual_order_once(line, context, method, counts, VISUAL_END_PRIOR if visual_end else 0, after)
    if method == "rules":
        return fixed
    for _ in range(_STABLE_ROUNDS):
        if fixed == line:
            return fixed
        line, fixed = fixed, _fix_visual_order_once(fixed, context, method, None, 0, after)
    return fixed


def _fix_visual_order_once(
    line: str, context: str, method: str, counts: Counter | None, prior: int = 0, after: str = ""
) -> str:
    if not _ARABIC_LETTER_RE.search(line):
        return line  # «2022:  0.6102»: without words there is no evidence of visual order
    if method == "rules" or _detached_lam_alef(line):
        # A detached lam-alef («لكترونية  لإت والتجارة ا») is rejoin_lam_alef's: its pieces are no words.
        return fix_visual_order_rules(line, prior)
    searcher = _reading_order()
    if searcher is None:
        return fix_visual_order_rules(line, prior)
    counts = Counter() if counts is None else counts
    original = line
    seam = prior > 0  # evidence from outside the line's own text that it is in visual order
    strong = _STRONG_RE.search(line)
    if strong is not None and strong.group() == KASHIDA_GLYPH:
        candidate = _undo_ltr_line(line)
        if _known_share(candidate) > _known_share(line):
            line = candidate
            # A line drawn left to right glyph run by glyph run is visual order: its runs, once undone,
            # can still be chunks in visual order («تسخير العلم: ائل … المس»), searched as a line with
            # the paragraph-number prior is (the reading must still win by the margin).
            seam = True
    indent, trail = line[: len(line) - len(line.lstrip())], line[len(line.rstrip()) :]
    body, prefix = line.strip(), ""
    parts = _GAP_SPLIT_RE.split(body)
    number = _PARAGRAPH_NUMBER_RE.match(parts[-1]) if len(parts) > 1 else None
    if number:  # «- 5» at the right edge: the paragraph number, printed last
        body, prefix = "".join(parts[:-2]), f"{number.group(1)} - "
    rebuilt, cuts, gain = searcher.reorder(body, context, seam, after)
    rebuilt = _separate_glued_digits(prefix + rebuilt)
    # The rules' reading (paragraph numbers, numbers in visual order, rotations) competes: the
    # model's reading replaces it only when the model scores it higher by the margin.
    ruled = _rules_reading(original, prior)
    # A rules reading that leaves more words glued than the model's («… والاجتماعيعن طریق.» against
    # «عن طریق … والاجتماعي.») left a seam unread: the model's reading needs a smaller margin over it.
    margin = searcher.costs.margin
    if cuts and searcher.glued_words(rebuilt) < searcher.glued_words(ruled):
        margin = searcher.costs.unread_margin
    if ruled != original and (
        not cuts or searcher.score(rebuilt, context, after) < searcher.score(ruled, context, after) + margin
    ):
        counts["fix_visual_order_rules"] += 1
        return ruled
    if cuts:
        counts["fix_visual_order_model"] += 1
    elif gain > 0:
        counts["fix_visual_order_below_margin"] += 1
    if rebuilt.split() == original.split():
        return original
    if line is original and not prefix and rebuilt == body:
        return original
    return indent + rebuilt + trail
