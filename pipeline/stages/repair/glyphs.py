"""Character classes, the Arabic lexicon, damage evidence and the glyph decisions of the repair stage.

The seed font's glyph damage (see :mod:`pipeline.stages.repair.pdf_artefacts`): the kashida glyph
``ѧ``, the initial yeh read as Farsi yeh ``ی`` and the initial kaf read as alef madda ``آ``.
:class:`GlyphRepair` holds the per-word decisions (``strip_kashida``, ``repair_yeh``,
``repair_kaf``) that :class:`~pipeline.stages.repair.pdf_artefacts.PdfArtefactRepair` runs.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

KASHIDA_GLYPH = "\u0467"  # Cyrillic small little yus: the seed font's kashida
TATWEEL = "\u0640"
FARSI_YEH = "\u06cc"
YEH = "\u064a"
KAF = "\u0643"
ALEF_MADDA = "\u0622"

# Letters after which the next letter takes its initial (or isolated) form.
NON_JOINERS = frozenset("ءآأؤإاةدذرزوى")
MARKS = frozenset(chr(code) for code in range(0x064B, 0x0660)) | {"\u0670"}
_LETTER_CLASS = "\u0621-\u063a\u0641-\u064a"
_NON_JOINER_CLASS = "".join(sorted(NON_JOINERS))

# For counting intact initial yehs, آ is no evidence: in damaged text it is often a joining kaf.
_YEH_NON_JOINER_CLASS = _NON_JOINER_CLASS.replace(ALEF_MADDA, "")
# Patterns for runs are written "[…][…]*" rather than "[…]+": one that starts with a plain class
# lets ``re`` skip to the next match with a tight C loop instead of trying a match at every position.
# An Arabic word as extracted: letters, marks, tatweel and the two damaged glyphs.
_WORD_CHARS = f"[{_LETTER_CLASS}\u0640-\u065f\u0670{KASHIDA_GLYPH}{FARSI_YEH}]"
_WORD_RE = re.compile(f"{_WORD_CHARS}{_WORD_CHARS}*")
_PRESENTATION_RE = re.compile("[\ufb50-\ufdff\ufe70-\ufefe]")
_KASHIDA_RE = re.compile(f"[{KASHIDA_GLYPH}{TATWEEL}][{KASHIDA_GLYPH}{TATWEEL}]*")
_TATWEEL_RE = re.compile(f"{TATWEEL}{TATWEEL}*")
# The ѧ that touch a letter are counted as ``(?:<letter>ѧ|ѧ<letter>)`` would count its matches, but
# from ѧ-led patterns (``re`` finds a literal first in C; that pattern tries a match at every
# letter), and the chains «ѧ<letter>ѧ» where one letter could join two ѧ (see _kashida_in_word_count).
# The ѧ that touch no letter are counted (the fewer matches: ~2x faster than counting the others).
_KASHIDA_ALONE_RE = re.compile(f"{KASHIDA_GLYPH}(?<![{_LETTER_CLASS}]{KASHIDA_GLYPH})(?![{_LETTER_CLASS}])()")
_KASHIDA_CHAIN_RE = re.compile(f"{KASHIDA_GLYPH}(?=[{_LETTER_CLASS}]{KASHIDA_GLYPH})")
# A yeh in initial position: at word start or after a non-joining letter, followed by a letter.
# The literal first: a leading look-behind would be tried at every position of a long text.
_INITIAL_ARABIC_YEH_RE = re.compile(
    f"{YEH}(?:(?<![{_LETTER_CLASS}{FARSI_YEH}]{YEH})|(?<=[{_YEH_NON_JOINER_CLASS}]{YEH}))(?=[{_LETTER_CLASS}{FARSI_YEH}])"
)
# The same for the damaged yeh «ی» itself: not after an Arabic letter (U+0621-U+064A, tatweel
# included) or ی, or after a non-joiner other than آ.
_INITIAL_FARSI_YEH_RE = re.compile(
    f"{FARSI_YEH}(?:(?<![\u0621-\u064a{FARSI_YEH}]{FARSI_YEH})|(?<=[{_YEH_NON_JOINER_CLASS}]{FARSI_YEH}))"
    f"(?=[{_LETTER_CLASS}{FARSI_YEH}])"
)
_MARKS_TABLE = {ord(mark): None for mark in MARKS}
# _clean_key in one translate: kashida glyph, tatweel and marks deleted, Farsi yeh read as yeh.
_KEY_TABLE = {**_MARKS_TABLE, ord(KASHIDA_GLYPH): None, ord(TATWEEL): None, ord(FARSI_YEH): YEH}
_NOT_KEY = MARKS | {KASHIDA_GLYPH, TATWEEL}  # characters a word's clean key leaves out
_MARK_RUN_RE = re.compile("[\u064b-\u065f\u0670][\u064b-\u065f\u0670]*")
# Where a kaf or alef madda stands after a joining letter in a clean key, with two letters after
# it (the stem runs to the end of the key): the certain evidence ``fit`` collects.
_LETTERS = frozenset(chr(code) for code in itertools.chain(range(0x0621, 0x063B), range(0x0641, 0x064B)))
_YEH_JOINS = _LETTERS | {FARSI_YEH, KASHIDA_GLYPH, TATWEEL}  # what a yeh joins when it is not final
_JOINING_CLASS = "".join(sorted(_LETTERS - NON_JOINERS))
# Only after a prefix (article, preposition, conjunction): inside a longer word («هيكلية») the
# same letters are another word's, no evidence for «كلية».  A word's stem is the kaf or alef madda
# after its prefix and the letters to the word's end.  One pattern per letter, led by it, so ``re``
# finds candidates in C (led by the non-letter before a word, the pattern tried a match at every
# space: 4x slower); a prefix ends in ل, ب or ف (the first look-behind, cheap), and each prefix is a
# fixed-width look-behind that reaches back to the non-letter before the word (a space is put
# before the text).  A word has one place where a stem can start, except «فكال» + ك/آ, where the
# longer prefix wins: the bare «ف» before a kaf gives way (the look-ahead).  So the two patterns find the stems
# of a single pattern, as a multiset (kaf stems first).
_STEM_PREFIXES = [conj + prep for conj in ("و", "ف", "") for prep in ("ال", "بال", "كال", "فال", "لل", "ب", "ل")]
_CERTAIN_STEM_RES = tuple(
    re.compile(
        f"({letter}(?<=[لبف].)(?:"
        + "|".join(f"(?<=[^{_LETTER_CLASS}]{prefix}.)" for prefix in _STEM_PREFIXES)
        + f"|(?<=[^{_LETTER_CLASS}]ف.)"
        + (f"(?!ال[{KAF}{ALEF_MADDA}][{_LETTER_CLASS}]{{2}})" if letter == KAF else "")
        + f")[{_LETTER_CLASS}]{{2,}})"
    )
    for letter in (KAF, ALEF_MADDA)
)
_LAM_ALEF_LIGATURES = ("لإ", "لأ")
# Tatweel that is orthography («الـ 193», «لـ COVID»): kept; shielded from the word steps by a
# private-use character that is put back before the text leaves :meth:`PdfArtefactRepair.repair`.
_SHIELD = "\ue000"
_KASHIDA_RUN_RE = re.compile(f"(.){KASHIDA_GLYPH}+(?=[{_LETTER_CLASS}])")  # between letters: inside a word


def prefix_reading(text: str) -> str:
    """``text`` as the orthographic-tatweel test reads it (same length): a damaged initial kaf «آ» as «ك»,
    and each run of ѧ between two letters as the letter before it repeated, so a letter drawn before a kashida is still
    joined to the next one («كѧبـ4» is the word «كبـ4», whose «ب» is no lone prefix; reading the ѧ as a
    word break kept the tatweel once and dropped it on a second repair)."""
    text = text.replace(ALEF_MADDA, KAF)
    if KASHIDA_GLYPH not in text:
        return text
    return _KASHIDA_RUN_RE.sub(lambda m: m.group(1) * len(m.group()), text)


# A word that starts with a lam-alef ligature: the only words _rejoin_lam_alef acts on.
_LEADING_LAM_ALEF_RE = re.compile(f"ل[إأ](?<!{_WORD_CHARS}ل[إأ])")
_ARABIC_LETTER = f"[{_LETTER_CLASS}{FARSI_YEH}]"
_NOT_LETTER_RE = re.compile(f"[^{_LETTER_CLASS}][^{_LETTER_CLASS}]*")


@lru_cache(maxsize=1)
def _presentation_table() -> dict[int, str]:
    """Presentation form -> base letters (NFKC), for the Arabic presentation-form blocks."""
    table: dict[int, str] = {}
    for code in itertools.chain(range(0xFB50, 0xFE00), range(0xFE70, 0xFEFF)):
        folded = unicodedata.normalize("NFKC", chr(code))
        # Isolated harakat forms fold to "space + mark"; keep just the mark.
        folded = folded.lstrip(" ")
        if folded and folded != chr(code) and all("\u0600" <= ch <= "\u06ff" or ch == " " for ch in folded):
            table[code] = folded
    return table


def _has_presentation_forms(text: str) -> bool:
    """Whether ``text`` holds a presentation form.

    Every form the table folds changes under NFKC, so NFKC-normalised text (the common case)
    holds none; ``unicodedata``'s quick check says so ~5x faster than a regex scan.  News text
    often fails the check only for its no-break spaces: they are replaced first, for the check.
    """
    if unicodedata.is_normalized("NFKC", text):
        return False
    if "\xa0" in text and unicodedata.is_normalized("NFKC", text.replace("\xa0", " ")):
        return False
    return _PRESENTATION_RE.search(text) is not None


def _fold_presentation_forms(text: str) -> str:
    table = _presentation_table()
    return _PRESENTATION_RE.sub(lambda match: table.get(ord(match.group()), match.group()), text)


@lru_cache(maxsize=1)
def lexicon() -> dict[str, float]:
    """wordfreq's Arabic word -> frequency table (~620,000 forms; loaded once, ~0.4 s)."""
    import wordfreq  # deferred: loading the table is the expensive part of this module

    return wordfreq.get_frequency_dict("ar")


def zipf(word: str) -> float:
    """Zipf frequency of ``word`` in the Arabic lexicon (0.0 when unknown); marks are ignored."""
    return _key_zipf(word.translate(_MARKS_TABLE))


@lru_cache(maxsize=1 << 18)  # C-level memo: the visual-order search and calibration ask for the same words often
def _key_zipf(key: str) -> float:
    """:func:`zipf` of a word known to hold no marks (a key)."""
    frequency = lexicon().get(key)
    return math.log10(frequency) + 9.0 if frequency else 0.0


def _zipf_floor(score: float) -> float:
    """A lexical score as :func:`~.glyph_context.lexicon_probability` sees it (unknown words at 10**-10)."""
    return score if score > 0 else -1.0


def _lexical_score(key: str) -> float:
    """Zipf of ``key``, backing off to the word without a leading wa-/fa- conjunction."""
    score = _key_zipf(key)
    if score == 0.0 and len(key) > 3 and key[0] in "وف":
        score = max(0.0, _key_zipf(key[1:]) - 0.5)
    return score


def _clean_key(word: str) -> str:
    """The lexicon form of an (undamaged) word: no kashida, no marks, Arabic yeh."""
    return word.translate(_KEY_TABLE)


def _certain_stems(text: str, stripped: str | None = None) -> Iterator[str]:
    """For each kaf or alef madda after a prefix that joins it (``ال``, ``ب``, ``ل``, ...) in a word
    of ``text`` (as clean keys, with at least two letters after it), the rest of that word from it:
    ``الكيانات`` gives ``كيانات``.  ``stripped``: :func:`_strip_kashida` of ``text`` if at hand."""
    # Cleaning the whole text turns each word into its clean key: only characters inside words go.
    clean = " " + _clean_text(text, stripped)
    for pattern in _CERTAIN_STEM_RES:
        yield from pattern.findall(clean)


def _strip_kashida(text: str) -> str:
    """``text`` without ѧ and tatweel (``_KASHIDA_RE.sub("", text)``)."""
    return text.replace(KASHIDA_GLYPH, "").replace(TATWEEL, "")


def _clean_text(text: str, stripped: str | None = None) -> str:
    """``text.translate(_KEY_TABLE)`` for a long text: ``str.replace`` deletes ѧ and tatweel (frequent in
    damaged text) and reads ی as ي, one regex pass deletes the marks (``translate`` looks up every
    character in a dict: ~6 MB/s).  ``stripped``: :func:`_strip_kashida` of ``text`` if at hand."""
    return _MARK_RUN_RE.sub("", _strip_kashida(text) if stripped is None else stripped).replace(FARSI_YEH, YEH)


def _kashida_in_word_count(text: str) -> int:
    """The ѧ of ``text`` that touch a letter, counted as ``re.findall("(?:<letter>ѧ|ѧ<letter>)", text)``
    counts them (non-overlapping pairs «<letter>ѧ» or «ѧ<letter>», leftmost first), at ~3x its speed.

    Each pair holds one ѧ, so the count is the ѧ beside a letter, except where the letter before a
    ѧ was taken by an earlier pair: only in a chain «ѧ<letter>ѧ<letter>ѧ…», where every ѧ after
    the first is paired as the first one is (with the letter before it if the chain starts after a
    letter, else with the letter after it, when there is one).
    """
    count = text.count(KASHIDA_GLYPH) - len(_KASHIDA_ALONE_RE.findall(text))
    for match in _KASHIDA_CHAIN_RE.finditer(text):  # rare: chains of one-letter gaps
        head = match.start()
        while head >= 2 and text[head - 2] == KASHIDA_GLYPH and text[head - 1] in _LETTERS:
            head -= 2
        after_gap = match.start() + 3  # the character after the chained ѧ
        if (head == 0 or text[head - 1] not in _LETTERS) and not (
            after_gap < len(text) and text[after_gap] in _LETTERS
        ):
            count -= 1  # counted for the letter before it, which the pair before took
    return count


@dataclass
class DamageEvidence:
    """How strongly a text shows the seed font's damage."""

    farsi_initial_yeh: int = 0  # ی where an initial-form yeh stands
    arabic_initial_yeh: int = 0  # ي where an initial-form yeh stands (intact)
    kashida_glyphs: int = 0  # ѧ touching an Arabic letter

    @classmethod
    def of(cls, text: str, capped: bool = True, stripped: str | None = None) -> DamageEvidence:
        """The evidence in ``text``; ``capped`` stops counting intact yehs once they outnumber ی (fast);
        ``stripped``: :func:`_strip_kashida` of ``text`` if at hand."""
        farsi = arabic = 0
        if FARSI_YEH in text:
            if stripped is None:
                stripped = _strip_kashida(text)
            farsi = len(_INITIAL_FARSI_YEH_RE.findall(stripped))  # ی in initial position before a letter
            for _ in _INITIAL_ARABIC_YEH_RE.finditer(stripped):
                arabic += 1
                if capped and arabic >= farsi:  # clean text: no need to count the rest
                    break
        kashida = 0
        if KASHIDA_GLYPH in text:  # tatweel between ѧ and a letter does not hide the ѧ
            kashida = _kashida_in_word_count(text.replace(TATWEEL, "") if TATWEEL in text else text)
        return cls(farsi, arabic, kashida)

    @property
    def yeh_damaged(self) -> bool:
        return self.farsi_initial_yeh > self.arabic_initial_yeh

    @property
    def damaged(self) -> bool:
        return self.yeh_damaged or self.kashida_glyphs > 0


@dataclass
class _KafSlot:
    raw_index: int  # index of the آ in the raw word
    key_index: int  # index of the آ in the lexicon key
    forced: str | None  # ALEF_MADDA / KAF when glyph logic decides, else None


@lru_cache(maxsize=1 << 16)  # the same tokens recur: the visual-order search asks for them often
def _key(token: str) -> str:
    """The lexicon key of a raw token: Arabic letters only, ی as ي."""
    return _NOT_LETTER_RE.sub("", token.replace(FARSI_YEH, YEH))


class GlyphRepair:
    """The glyph steps of :class:`~pipeline.stages.repair.pdf_artefacts.PdfArtefactRepair`, one word at a time.

    A mixin: it reads the stage's options (``repair_kaf``, ``repair_yeh``, ``strip_kashida``,
    ``kaf_margin``, ``document_weight``, ``unknown_kaf``, ``kaf_context``, ``context_cap``, ``gloss_weight``) and the document's certain stems
    (``_stems``, ``_heads``) gathered by its ``fit``.
    """

    def _repair_single(
        self, raw: str, yeh_damaged: bool, changes: dict[str, int], context: tuple[str, str, str] | None = None
    ) -> str:
        """Repair the glyphs of one word; ``context`` (left neighbour, right neighbour, Latin gloss
        letter; see :meth:`_decide_kaf`) only for a whole word read in its line."""
        word = raw
        if self.repair_kaf and ALEF_MADDA in raw:
            slots = self._decide_kaf(raw, yeh_damaged, context)
            if slots:
                chars = list(raw)
                for slot in slots:
                    chars[slot] = KAF
                word = "".join(chars)
                changes["repair_kaf"] = changes.get("repair_kaf", 0) + len(slots)
        if self.repair_yeh and FARSI_YEH in word:
            changes["repair_yeh"] = changes.get("repair_yeh", 0) + word.count(FARSI_YEH)
            word = word.replace(FARSI_YEH, YEH)
        if self.strip_kashida and (KASHIDA_GLYPH in word or TATWEEL in word):
            # A lone ѧ run, with no letter beside it, is not Arabic: only tatweel goes there.
            pattern = _KASHIDA_RE if word.strip(KASHIDA_GLYPH + TATWEEL) else _TATWEEL_RE
            word, runs = pattern.subn("", word)
            changes["strip_kashida"] = changes.get("strip_kashida", 0) + runs
        return word

    def _kaf_slots(self, raw: str, yeh_damaged: bool) -> list[_KafSlot]:
        """The آ of ``raw`` that stand where a damaged initial-form kaf could stand."""
        slots = []
        key_index = -1
        previous = None  # previous non-mark character of the raw word
        for index, ch in enumerate(raw):
            if ch in MARKS:
                continue
            if ch not in (KASHIDA_GLYPH, TATWEEL):
                key_index += 1
            if ch == ALEF_MADDA and (previous is None or previous in NON_JOINERS):
                following = after = None  # the next two non-mark characters
                for ch_after in raw[index + 1 :]:
                    if ch_after not in MARKS:
                        if following is not None:
                            after = ch_after
                            break
                        following = ch_after
                if following is not None:
                    forced = None
                    if following == FARSI_YEH:
                        forced = ALEF_MADDA  # the next letter is initial: this glyph did not join
                    elif following in (KASHIDA_GLYPH, TATWEEL, "ا") or (
                        following == YEH and yeh_damaged and after in _YEH_JOINS
                    ):
                        # The next glyph is joined (only a kaf joins here), or is an alef,
                        # which Arabic spelling never writes after alef madda.  An intact «ي»
                        # says so only with a letter after it: a last «ي» («آي», «كي») is never
                        # initial, so the font drew it right either way.
                        forced = KAF
                    slots.append(_KafSlot(index, key_index, forced))
            previous = ch
        return slots

    def _decide_kaf(self, raw: str, yeh_damaged: bool, context: tuple[str, str, str] | None = None) -> list[int]:
        """Raw indices of the آ in ``raw`` that are damaged kafs.

        Each reading (every choice of آ or ك for the free slots) scores its lexicon zipf -- or, with
        ``context`` = (left neighbour, right neighbour, first letter of a Latin gloss) and the glyph
        context table, the table's :meth:`~.glyph_context.GlyphContext.score` -- plus the document's
        certain stems, plus ``gloss_weight`` when a Latin gloss agrees with the letter («آدهار
        (Aadhar)»: A for آ; K, C or Q for ك).  A kaf reading must beat all-آ by ``kaf_margin``.  When
        no reading is a known word and nothing else speaks, the character model decides
        (:class:`~.glyph_context.CharModel`; ``unknown_kaf="char_model"``) or kaf wins (``"kaf"``).
        """
        slots = self._kaf_slots(raw, yeh_damaged)
        if not slots:
            return []
        free = [slot for slot in slots if slot.forced is None]
        if len(free) > 4:  # implausible for a real word; leave it
            free = []
        key = list(_clean_key(raw))
        for slot in slots:
            if slot.forced is not None:
                key[slot.key_index] = slot.forced
        table = self._glyph_table() if context is not None else None
        name = context is not None and self._named(raw, key, free, table, context[1])
        choices = list(itertools.product((ALEF_MADDA, KAF), repeat=len(free)))
        scores, gains, known, evidence = [], [], False, False
        for choice in choices:
            word = self._reading(key, free, choice)
            lexical = _lexical_score(word)
            known = known or lexical > 0
            document = self._document_score(word, free)
            evidence = evidence or document > 0
            scores.append((0.0 if name else lexical) + document)
            if table is not None and not name:
                left, right, gloss = context
                # What the neighbours add over the lexicon (the same constant for every reading).
                gains.append(table.score(left, word, right) + 9.0 - _zipf_floor(lexical))
                # Evidence only where the table saw this reading beside these neighbours: a word it
                # merely knows (a name counted elsewhere) scores as an unseen one (the same floor for
                # every reading), and would leave the decision to the kaf margin, not the character model.
                evidence = evidence or table.seen(left, word, right)
            if table is not None:
                gloss = context[2]
                if gloss and self.gloss_weight > 0:
                    scores[-1] += self.gloss_weight * sum((letter == KAF) == (gloss in "KCQ") for letter in choice)
                    evidence = True
        if gains:
            # One corpus bigram can outweigh everything else; capped, the neighbours move a decision
            # by at most ``context_cap`` zipf, and the document's own spellings can still win.
            lowest = min(gains)
            scores = [score + min(gain - lowest, self.context_cap) for score, gain in zip(scores, gains, strict=True)]
        best_index = max(range(len(choices)), key=lambda index: (scores[index], -index))
        best_choice = choices[best_index]
        if scores[best_index] < scores[0] + self.kaf_margin:
            best_choice = choices[0]  # all آ
        if free and not known and not evidence:
            if self.unknown_kaf == "kaf":
                best_choice = (KAF,) * len(free)
            else:
                from pipeline.stages.repair.glyph_context import char_model

                word = "".join(key)
                best_choice = tuple(char_model().preference(word, slot.key_index) for slot in free)
        if context is None and free:
            # Whether the neighbours could change this decision (they move a reading by at most
            # ``context_cap``, a gloss by ``gloss_weight``): if not, the line pass skips the word.
            # Stored: the smallest score difference to another reading (-1: no reading is known).
            chosen = scores[choices.index(best_choice)]
            gaps = [abs(chosen - score) for index, score in enumerate(scores) if choices[index] != best_choice]
            self._kaf_gap[raw, yeh_damaged] = min(gaps) if known and gaps else -1.0
        kaf_slots = [slot.raw_index for slot in slots if slot.forced == KAF]
        kaf_slots += [slot.raw_index for slot, letter in zip(free, best_choice, strict=True) if letter == KAF]
        return sorted(kaf_slots)

    def _named(self, raw: str, key: list[str], free: list[_KafSlot], table: object, right: str) -> bool:
        """Whether ``raw`` stands before ``right`` as a name does in this document
        (:func:`.glyph_context.name_pairs`), so that the lexicon's preference for the common reading
        («كل», «كنا») is left out of the decision.  Only a word that is common enough read with «آ»
        (``NAME_MIN_ZIPF``: «آل», «آنا»; «كريستيانو» keeps its kaf), and whose kaf reading the context
        table never saw before ``right`` («كما أن»)."""
        if (_clean_key(raw), right) not in self._name_pairs:
            return False
        from pipeline.stages.repair.glyph_context import NAME_MIN_ZIPF

        if _lexical_score(self._reading(key, free, (ALEF_MADDA,) * len(free))) < NAME_MIN_ZIPF:
            return False
        readings = (
            self._reading(key, free, choice) for choice in itertools.product((ALEF_MADDA, KAF), repeat=len(free))
        )
        next(readings)  # all «آ»
        return not (table is not None and any(table.seen("", word, right) for word in readings))

    def _glyph_table(self):
        """The glyph context table (:mod:`.glyph_context`), None when switched off or missing."""
        if self.kaf_context == "off":
            return None
        if self._context_table is None:
            from pipeline.stages.repair import glyph_context

            self._context_table = glyph_context.load() or False
        return self._context_table or None

    @staticmethod
    def _reading(key: list[str], free: list[_KafSlot], choice: tuple[str, ...]) -> str:
        candidate = list(key)
        for slot, letter in zip(free, choice, strict=True):
            candidate[slot.key_index] = letter
        return "".join(candidate)

    def _document_score(self, word: str, free: list[_KafSlot]) -> float:
        """The same stem with a certain letter elsewhere in the document (``الآليات`` for ``آليات``),
        or at least the same first three letters (``الآليات`` for ``آلية``)."""
        score = 0.0
        for slot in free:
            seen = self._stems.get(word[slot.key_index :], 0)
            heads = self._heads.get(word[slot.key_index : slot.key_index + 3], 0)
            score += self.document_weight * (math.log1p(seen) + 0.5 * math.log1p(heads))
        return score

    def _kaf_score(self, key: list[str], free: list[_KafSlot], choice: tuple[str, ...]) -> float:
        """Context-free score of one reading: lexicon zipf plus the document's certain stems."""
        word = self._reading(key, free, choice)
        return _lexical_score(word) + self._document_score(word, free)
