"""Repair the glyph-mapping damage that some Arabic PDFs leave in their text layer.

The seed document (UN report A/66/77, Arabic) was typeset with a font whose
ToUnicode map is wrong for a few glyphs, so the extracted text is damaged in
regular, explainable ways.  Each pattern below is a separately switchable step
of :class:`PdfArtefactRepair` and counts what it changes:

``fold_presentation_forms``
    Some PDFs yield presentation-form code points (U+FB50-U+FDFF, U+FE70-U+FEFF)
    instead of base letters, e.g. ``ﻛﺎﻧﺖ`` for ``كانت``; they are folded (NFKC).
``fix_visual_order`` (runs first: it needs the ѧ and the wide gaps)
    Some lines, or gap-separated segments of a line, were extracted in visual
    (left-to-right) order.  A line whose first strong character is ``ѧ`` (a
    left-to-right letter) was laid out as an LTR paragraph, ``ѧѧي صѧѧل فѧѧلة المتمثѧѧال``
    ... for ``... المتمثل في صنع``; it is undone with ``get_display`` when more of its
    tokens become words.  Segments split by wide gaps are reversed when the evidence
    says so (a paragraph number ``- 5`` at the end, a segment starting with ``،`` /
    ``.`` / digits, ``63/202وفي``, a word cut at a gap: ``... قيام ا`` + ``لحكومات``),
    with the numbers inside them put back (``وفي قرارها 63/202``).  A leading stop goes to
    the end of its segment, and a line wrapped mid-word whose head was printed at its
    end (``متعدد ... على الطابع ال``) gets it back (``... الطابع المتعدد``).
``strip_kashida``
    The justification kashida glyph came out as Cyrillic ``ѧ`` (U+0467):
    ``تسѧѧѧѧخير`` is ``تسخير``.  Runs of it inside Arabic words, and real tatweel
    (U+0640, ``تنفيـذ``), are removed.
``repair_yeh``
    The *initial* form of yeh came out as Farsi yeh ``ی`` (U+06CC): ``تعزیز`` is
    ``تعزيز``, ``یمكن`` is ``يمكن``.
``repair_kaf``
    The *initial* form of kaf came out as alef madda ``آ``: ``آانت`` is ``كانت``,
    ``مشارآة`` is ``مشاركة``, ``وأآدت`` is ``وأكدت`` -- but ``آليات`` and
    ``الآراء`` are genuine.  Each ``آ`` that stands where an initial-form kaf could
    stand (word start or after a letter that does not join leftwards, and followed
    by a letter) is decided from three kinds of evidence, strongest first:

    * glyph logic: a following ``ی`` (damaged initial yeh) means the ``آ`` did not
      join, so it is a real alef madda (``آیات``); a following kashida or intact
      medial ``ي`` means it joined, so it is a kaf (``آيف`` is ``كيف``);
    * the document itself: a stem seen with a certainly intact kaf or alef madda
      (one preceded by a joining letter, e.g. ``الكيانات``, ``الآليات``);
    * the ``wordfreq`` Arabic lexicon: ``كانت`` (zipf 6.3) against ``آانت`` (1.4).

    A ``آ`` after a joining letter (``الآليات``) is never touched: a kaf there
    would have been the intact medial form.
``split_glued_words``
    Words glued across a column gap, ``الاجتماعيالمجلس`` and ``آافةشيء``, are
    split where both halves are common words and the whole is not a word.
``rejoin_lam_alef``
    The lam-alef ligature sometimes lands away from its word:
    ``لكترونية  لإت والتجارة ا`` holds ``الإلكترونية`` (and the ``ت`` of
    ``المعلومات``); the ligature is put back where the lexicon confirms the word.

The visual-order, kaf, glued-word and lam-alef steps only run on text that shows this font's
damage (an ``ѧ`` touching a letter, or more ``ی`` than ``ي`` in initial
position), either in the unit itself or in the document given to
:meth:`PdfArtefactRepair.fit`.  Clean text therefore only loses tatweel and
presentation forms, and repairing repaired text changes nothing.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from pipeline.records import DocumentState
from pipeline.registry import register
from pipeline.stages.base import DocumentStage
from pipeline.stages.normalise import keep_orthography, shield_orthography
from pipeline.stages.repair.reading_order import ReadingOrder

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
_TATWEEL_RE = re.compile(f"{TATWEEL}+")
_KASHIDA_IN_WORD_RE = re.compile(f"[{_LETTER_CLASS}]{KASHIDA_GLYPH}|{KASHIDA_GLYPH}[{_LETTER_CLASS}]")
# A yeh in initial position: at word start or after a non-joining letter, followed by a letter.
# The literal first: a leading look-behind would be tried at every position of a long text.
_FARSI_YEH_BEFORE_LETTER_RE = re.compile(f"{FARSI_YEH}(?=[{_LETTER_CLASS}{FARSI_YEH}])")
_INITIAL_ARABIC_YEH_RE = re.compile(
    f"{YEH}(?:(?<![{_LETTER_CLASS}{FARSI_YEH}]{YEH})|(?<=[{_YEH_NON_JOINER_CLASS}]{YEH}))(?=[{_LETTER_CLASS}{FARSI_YEH}])"
)
_MARKS_TABLE = {ord(mark): None for mark in MARKS}
# _clean_key in one translate: kashida glyph, tatweel and marks deleted, Farsi yeh read as yeh.
_KEY_TABLE = {**_MARKS_TABLE, ord(KASHIDA_GLYPH): None, ord(TATWEEL): None, ord(FARSI_YEH): YEH}
_NOT_KEY = MARKS | {KASHIDA_GLYPH, TATWEEL}  # characters a word's clean key leaves out
# Where a kaf or alef madda stands after a joining letter in a clean key, with two letters after
# it (the stem runs to the end of the key): the certain evidence ``fit`` collects.
_LETTERS = frozenset(chr(code) for code in itertools.chain(range(0x0621, 0x063B), range(0x0641, 0x064B)))
_JOINING_CLASS = "".join(sorted(_LETTERS - NON_JOINERS))
# Only after a prefix (article, preposition, conjunction): inside a longer word («هيكلية») the
# same letters are another word's, no evidence for «كلية».
_CERTAIN_STEM_RE = re.compile(
    f"(?<![{_LETTER_CLASS}])(?:[وف]?(?:ال|بال|كال|فال|لل|ب|ل)|ف)([{KAF}{ALEF_MADDA}][{_LETTER_CLASS}]{{2,}})"
)
_LAM_ALEF_LIGATURES = ("لإ", "لأ")
# Tatweel that is orthography («الـ 193», «لـ COVID»): kept; shielded from the word steps by a
# private-use character that is put back before the text leaves :meth:`PdfArtefactRepair.repair`.
_SHIELD = "\ue000"
# A word that starts with a lam-alef ligature: the only words _rejoin_lam_alef acts on.
_LEADING_LAM_ALEF_RE = re.compile(f"ل[إأ](?<!{_WORD_CHARS}ل[إأ])")

STEPS = (
    "fix_mojibake",
    "reverse_lines",
    "fold_presentation_forms",
    "fix_visual_order",
    "strip_kashida",
    "repair_yeh",
    "repair_kaf",
    "split_glued_words",
    "rejoin_lam_alef",
    "fix_ligature_pairs",
)
# Calibrated steps (pipeline/stages/repair/calibrate.py): they run only where a document shows
# their damage, so the bundled report never counts them.
CALIBRATED_STEPS = ("fix_mojibake", "reverse_lines", "fix_ligature_pairs")


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


def _initial(text: str, index: int) -> bool:
    """Whether ``text[index]`` stands in initial position (word start or after a non-joining letter)."""
    if index == 0:
        return True
    before = text[index - 1]
    return (before in NON_JOINERS and before != ALEF_MADDA) or not (
        "\u0621" <= before <= "\u064a" or before == FARSI_YEH
    )


@lru_cache(maxsize=1)
def lexicon() -> dict[str, float]:
    """wordfreq's Arabic word -> frequency table (~620,000 forms; loaded once, ~0.4 s)."""
    import wordfreq  # deferred: loading the table is the expensive part of this module

    return wordfreq.get_frequency_dict("ar")


def zipf(word: str) -> float:
    """Zipf frequency of ``word`` in the Arabic lexicon (0.0 when unknown); marks are ignored."""
    return _key_zipf(word.translate(_MARKS_TABLE))


def _key_zipf(key: str) -> float:
    """:func:`zipf` of a word known to hold no marks (a key)."""
    frequency = lexicon().get(key)
    return math.log10(frequency) + 9.0 if frequency else 0.0


def _lexical_score(key: str) -> float:
    """Zipf of ``key``, backing off to the word without a leading wa-/fa- conjunction."""
    score = _key_zipf(key)
    if score == 0.0 and len(key) > 3 and key[0] in "وف":
        score = max(0.0, _key_zipf(key[1:]) - 0.5)
    return score


def _clean_key(word: str) -> str:
    """The lexicon form of an (undamaged) word: no kashida, no marks, Arabic yeh."""
    return word.translate(_KEY_TABLE)


def _certain_stems(text: str) -> Iterator[str]:
    """For each kaf or alef madda after a prefix that joins it (``ال``, ``ب``, ``ل``, ...) in a word
    of ``text`` (as clean keys, with at least two letters after it), the rest of that word from it:
    ``الكيانات`` gives ``كيانات``."""
    # Cleaning the whole text turns each word into its clean key: only characters inside words go.
    yield from _CERTAIN_STEM_RE.findall(text.translate(_KEY_TABLE))


@dataclass
class DamageEvidence:
    """How strongly a text shows the seed font's damage."""

    farsi_initial_yeh: int = 0  # ی where an initial-form yeh stands
    arabic_initial_yeh: int = 0  # ي where an initial-form yeh stands (intact)
    kashida_glyphs: int = 0  # ѧ touching an Arabic letter

    @classmethod
    def of(cls, text: str, capped: bool = True) -> DamageEvidence:
        """The evidence in ``text``; ``capped`` stops counting intact yehs once they outnumber ی (fast)."""
        farsi = arabic = 0
        if FARSI_YEH in text:
            stripped = _KASHIDA_RE.sub("", text) if (KASHIDA_GLYPH in text or TATWEEL in text) else text
            farsi = sum(
                1 for match in _FARSI_YEH_BEFORE_LETTER_RE.finditer(stripped) if _initial(stripped, match.start())
            )
            for _ in _INITIAL_ARABIC_YEH_RE.finditer(stripped):
                arabic += 1
                if capped and arabic >= farsi:  # clean text: no need to count the rest
                    break
        kashida = 0
        if KASHIDA_GLYPH in text:  # tatweel between ѧ and a letter does not hide the ѧ
            kashida = len(_KASHIDA_IN_WORD_RE.findall(text.replace(TATWEEL, "")))
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


@register("repair", "pdf_artefacts")
@dataclass
class PdfArtefactRepair(DocumentStage):
    """Undo the PDF text-layer damage described in the module docstring.

    Call :meth:`fit` with the whole document (optional) so that paragraph-sized
    units are repaired with document-level evidence, then :meth:`repair` per unit.
    """

    fold_presentation_forms: bool = True
    fix_visual_order: bool = True  # lines / gap-separated segments extracted in visual (left-to-right) order
    # "lm": the bigram-model search of reading_order.py; "rules": the evidence rules of this module.
    visual_order_method: Literal["lm", "rules"] = "lm"
    strip_kashida: bool = True  # ѧ runs and U+0640 tatweel
    repair_yeh: bool = True  # ی -> ي
    repair_kaf: bool = True  # the آ -> ك decision
    split_glued_words: bool = True
    rejoin_lam_alef: bool = True
    kaf_margin: float = 0.5  # zipf a kaf reading must win by before a آ is changed
    document_weight: float = 1.0  # weight of log(1 + count) of the document's certain stems
    glued_max_zipf: float = 1.5  # a word at or above this zipf is never split
    glued_min_zipf: float = 3.5  # both halves of a split need at least this zipf ...
    glued_min_zipf_uncued: float = 4.3  # ... or this much without a word-boundary cue (see _plausible_split)
    unknown_prefers_kaf: bool = True  # when no reading is a known word, read آ as kaf (by far the commoner)
    # Calibrated maps (pipeline/stages/repair/calibrate.py): each is applied only where it raises
    # the known-word share of the document (or line) by a clear margin.
    fix_mojibake: bool = True  # UTF-8 Arabic read as cp1252 («Ø§Ù„»), ftfy
    reverse_lines: bool = True  # whole lines in reversed (visual) character order
    fix_ligature_pairs: bool = True  # two-letter ligatures extracted in visual order («يف», «املجلس»)

    counts: Counter = field(default_factory=Counter, init=False, repr=False, compare=False)
    _document: DamageEvidence = field(default_factory=DamageEvidence, init=False, repr=False, compare=False)
    _stems: Counter = field(default_factory=Counter, init=False, repr=False, compare=False)
    _heads: Counter = field(default_factory=Counter, init=False, repr=False, compare=False)
    _word_cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _context: str = field(default="", init=False, repr=False, compare=False)
    _ligatures: frozenset = field(default_factory=frozenset, init=False, repr=False, compare=False)
    _ligature_cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    # The document's damage profile (set by fit; None: not fitted, each text judged on its own).
    profile: dict | None = field(default=None, init=False, repr=False, compare=False)

    # -- public API -------------------------------------------------------------------------

    def process(self, state: DocumentState) -> dict[str, int]:
        """Fit on the whole document, then repair every unit's raw text and every table title into
        display text (whitespace collapsed); counts: changes per fix."""
        self.counts = Counter()
        self.fit(state.document.text)
        for unit in state.units:
            unit.text = " ".join(self.repair(unit.raw).split())
        for table in state.tables:
            table.title = " ".join(self.repair(table.title).split())
        state.profile["repair"] = self.profile  # the damage profile and its evidence, for run.json
        return dict(sorted(self.counts.items()))

    def fit(self, text: str) -> PdfArtefactRepair:
        """Gather document evidence: which damage profile the document shows (see :mod:`.calibrate`),
        and stems with a certain kaf or alef madda.  :attr:`profile` records what was found."""
        from pipeline.stages.repair.profile import calibrate_document, finish_profile, learn_ligatures

        text, self.profile = calibrate_document(self, text)
        self._ligatures = frozenset()
        self._ligature_cache = {}
        self._document = DamageEvidence.of(text)
        if self._document.damaged:
            self.profile.setdefault("profiles", []).append("seed_glyphs")
            self.profile["seed_glyphs"] = {
                "farsi_initial_yeh": self._document.farsi_initial_yeh,
                "arabic_initial_yeh": self._document.arabic_initial_yeh,
                "kashida_glyphs": self._document.kashida_glyphs,
            }
        self._stems = Counter()
        self._heads = Counter()
        self._word_cache = {}
        if self._document.damaged:
            for stem in _certain_stems(text):
                self._stems[stem] += 1
                self._heads[stem[:3]] += 1
        self._ligatures = learn_ligatures(self, text, self._document.damaged)
        finish_profile(self.profile)
        for name in self.profile["profiles"]:
            self.counts[f"profile_{name}"] += 1  # documents with each damage profile, summed by the run
        return self

    def repair(self, text: str) -> str:
        """The repaired text, with the same number of lines; adds to :attr:`counts`."""
        from pipeline.stages.repair.profile import apply_calibrated_maps, record_after  # deferred: import cycle

        repaired = self._repair(apply_calibrated_maps(self, text))
        if self.profile and self.profile["profiles"]:
            record_after(self, repaired)
        return repaired

    def _repair(self, text: str) -> str:
        if self.fold_presentation_forms and _has_presentation_forms(text):
            table = _presentation_table()
            self.counts["fold_presentation_forms"] += sum(ord(ch) in table for ch in _PRESENTATION_RE.findall(text))
            text = _fold_presentation_forms(text)
        if self._document.yeh_damaged:  # implies damaged: the unit's own evidence cannot add anything
            damaged = yeh_damaged = True
        else:
            unit = DamageEvidence.of(text)
            yeh_damaged = unit.yeh_damaged
            damaged = unit.damaged or self._document.damaged
        if not damaged:  # clean text, the common case: only real tatweel goes, no per-line work
            if self.strip_kashida and TATWEEL in text:
                kept = keep_orthography(text)
                self.counts["strip_kashida"] += text.count(TATWEEL) - kept.count(TATWEEL)
                text = kept
            return self._repair_ligatures(text)
        if TATWEEL in text:  # orthographic tatweel («الـ 193») is shielded from the word steps
            text = shield_orthography(text, _SHIELD)
        self._context = "."  # a unit starts a sentence: its first line is read after a stop
        text = "\n".join(self._repair_line(line, damaged, yeh_damaged) for line in text.split("\n"))
        return self._repair_ligatures(text.replace(_SHIELD, TATWEEL))

    def _repair_ligatures(self, text: str) -> str:
        """Put the document's learnt ligature pairs back in logical order, word by word."""
        if not self._ligatures:
            return text
        from pipeline.stages.repair.calibrate import _WORD_WITH_MARKS_RE, repair_word

        cache = self._ligature_cache

        def one(match: re.Match) -> str:
            word = match.group()
            reading = cache.get(word)
            if reading is None:
                reading = cache[word] = repair_word(word, self._ligatures)
            if reading != word:
                self.counts["fix_ligature_pairs"] += 1
            return reading

        return _WORD_WITH_MARKS_RE.sub(one, text)

    # -- lines ------------------------------------------------------------------------------

    def _repair_line(self, line: str, damaged: bool, yeh_damaged: bool) -> str:
        if not damaged:
            # Fast path for clean text: only real tatweel goes.
            if self.strip_kashida and TATWEEL in line:
                self.counts["strip_kashida"] += line.count(TATWEEL)
                line = line.replace(TATWEEL, "")
            return line
        if self.fix_visual_order:
            # First: it needs the ѧ positions and the wide gaps, which the other steps remove or blur.
            fixed = fix_visual_order_line(line, self._context, self.visual_order_method, self.counts)
            if fixed != line:
                self.counts["fix_visual_order"] += 1
                line = fixed
            words = line.split()
            if words:  # the previous line's last word is evidence for the next line's first
                self._context = words[-1]
        line = _WORD_RE.sub(lambda match: self._repair_word(match.group(), yeh_damaged), line)
        if self.rejoin_lam_alef and _LEADING_LAM_ALEF_RE.search(line):
            line = self._rejoin_lam_alef(line)
        return line

    # -- words ------------------------------------------------------------------------------

    def _repair_word(self, raw: str, yeh_damaged: bool) -> str:
        cached = self._word_cache.get((raw, yeh_damaged))
        if cached is None:
            changes: dict[str, int] = {}
            word = self._repair_glued(raw, yeh_damaged, changes)
            cached = (word, tuple(changes.items()))
            self._word_cache[(raw, yeh_damaged)] = cached
        word, changes = cached
        for step, number in changes:
            self.counts[step] += number
        return word

    def _repair_glued(self, raw: str, yeh_damaged: bool, changes: dict[str, int]) -> str:
        """Repair one word; split it in two first when it is two words glued together."""
        word = self._repair_single(raw, yeh_damaged, changes)
        if not self.split_glued_words or len(word) < 7 or _key_zipf(_clean_key(word)) >= self.glued_max_zipf:
            return word
        best, best_parts = self.glued_min_zipf, None
        # A split needs both parts above the lower of the two zipf thresholds, a left part of
        # four letters and a right part of three (_plausible_split); repair keeps the number of
        # letters of each part, so these cheap checks skip a cut before its parts are repaired.
        floor = min(self.glued_min_zipf, self.glued_min_zipf_uncued)
        letters_before = list(itertools.accumulate((ch not in _NOT_KEY for ch in raw), initial=0))
        for cut in range(4, len(raw) - 2):
            if raw[cut] in MARKS or raw[cut] in (KASHIDA_GLYPH, TATWEEL) or raw[cut - 1] in (KASHIDA_GLYPH, TATWEEL):
                continue
            if letters_before[cut] < 4 or letters_before[-1] - letters_before[cut] < 3:
                continue
            left_changes: dict[str, int] = {}
            left = self._repair_single(raw[:cut], yeh_damaged, left_changes)
            left_score = _key_zipf(_clean_key(left))
            if left_score <= max(best, floor):
                continue
            right_changes: dict[str, int] = {}
            right = self._repair_single(raw[cut:], yeh_damaged, right_changes)
            right_score = _key_zipf(_clean_key(right))
            plausible, cued = _plausible_split(_clean_key(left), _clean_key(right))
            if not plausible or (not cued and len(_clean_key(right)) < 4):
                continue
            needed = self.glued_min_zipf if cued else self.glued_min_zipf_uncued
            if min(left_score, right_score) > max(best, needed):
                best, best_parts = min(left_score, right_score), (left, right, left_changes, right_changes)
        if best_parts is None:
            return word
        left, right, left_changes, right_changes = best_parts
        changes.clear()
        changes.update(Counter(left_changes) + Counter(right_changes))
        changes["split_glued_words"] = changes.get("split_glued_words", 0) + 1
        return f"{left} {right}"

    def _repair_single(self, raw: str, yeh_damaged: bool, changes: dict[str, int]) -> str:
        """Repair the glyphs of one word."""
        word = raw
        if self.repair_kaf and ALEF_MADDA in raw:
            slots = self._decide_kaf(raw, yeh_damaged)
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
                following = next((c for c in raw[index + 1 :] if c not in MARKS), None)
                if following is not None:
                    forced = None
                    if following == FARSI_YEH:
                        forced = ALEF_MADDA  # the next letter is initial: this glyph did not join
                    elif following in (KASHIDA_GLYPH, TATWEEL, "ا") or (following == YEH and yeh_damaged):
                        # The next glyph is joined (only a kaf joins here), or is an alef,
                        # which Arabic spelling never writes after alef madda.
                        forced = KAF
                    slots.append(_KafSlot(index, key_index, forced))
            previous = ch
        return slots

    def _decide_kaf(self, raw: str, yeh_damaged: bool) -> list[int]:
        """Raw indices of the آ in ``raw`` that are damaged kafs."""
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
        best_choice: tuple[str, ...] = (ALEF_MADDA,) * len(free)
        best_score = self._kaf_score(key, free, best_choice)
        baseline = best_score
        for choice in itertools.product((ALEF_MADDA, KAF), repeat=len(free)):
            if KAF not in choice:
                continue
            score = self._kaf_score(key, free, choice)
            if score > best_score:
                best_choice, best_score = choice, score
        if best_score < baseline + self.kaf_margin:
            best_choice = (ALEF_MADDA,) * len(free)
        if free and best_score == 0.0 and self.unknown_prefers_kaf:
            best_choice = (KAF,) * len(free)
        kaf_slots = [slot.raw_index for slot in slots if slot.forced == KAF]
        kaf_slots += [slot.raw_index for slot, letter in zip(free, best_choice, strict=True) if letter == KAF]
        return sorted(kaf_slots)

    def _kaf_score(self, key: list[str], free: list[_KafSlot], choice: tuple[str, ...]) -> float:
        candidate = list(key)
        for slot, letter in zip(free, choice, strict=True):
            candidate[slot.key_index] = letter
        word = "".join(candidate)
        score = _lexical_score(word)
        for slot in free:
            # The same stem with a certain letter elsewhere in the document (``الآليات`` for
            # ``آليات``), or at least the same first three letters (``الآليات`` for ``آلية``).
            seen = self._stems.get(word[slot.key_index :], 0)
            heads = self._heads.get(word[slot.key_index : slot.key_index + 3], 0)
            score += self.document_weight * (math.log1p(seen) + 0.5 * math.log1p(heads))
        return score

    # -- lam-alef ---------------------------------------------------------------------------

    def _rejoin_lam_alef(self, line: str) -> str:
        """Put a displaced lam-alef ligature back: ``ا`` + ``لإ`` + ``لكترونية`` -> ``الإلكترونية``."""
        tokens = [[match.start(), match.end(), match.group()] for match in _WORD_RE.finditer(line)]
        for orphan in tokens:
            ligature = orphan[2][:2]
            if ligature not in _LAM_ALEF_LIGATURES or (len(orphan[2]) > 2 and zipf(orphan[2]) >= self.glued_max_zipf):
                continue
            rest = orphan[2][2:]
            if rest and len(rest) > 2 and zipf(rest) < self.glued_min_zipf:
                continue
            best = None
            for host in tokens:
                if host is orphan or not host[2].endswith("ا") or len(host[2]) > 3:
                    continue
                for tail in tokens:
                    if tail is orphan or tail is host or not tail[2]:
                        continue
                    score = zipf(host[2] + ligature + tail[2])
                    if score >= self.glued_min_zipf and (best is None or score > best[0]):
                        best = (score, host, tail)
            if best is None:
                continue
            _, host, tail = best
            host[2] = host[2] + ligature + tail[2]
            tail[2] = ""
            orphan[2] = rest
            if rest and len(rest) <= 2:
                self._reattach(rest, orphan, tokens)
            self.counts["rejoin_lam_alef"] += 1
        return _rebuild(line, tokens)

    def _reattach(self, rest: str, orphan: list, tokens: list[list]) -> None:
        """Give a stray letter left by the ligature back to the word it completes (``المعلوما`` + ``ت``)."""
        for token in tokens:
            if token is orphan or not token[2] or zipf(token[2]) >= self.glued_min_zipf:
                continue
            if zipf(token[2] + rest) >= self.glued_min_zipf:
                token[2] += rest
                orphan[2] = ""
                return


# Endings that are common "words" to the lexicon but are really suffixes: يتابعهما is not يتابع + هما.
_SUFFIXES = frozenset(
    {"ها", "هما", "هم", "هن", "كم", "كما", "نا", "ني", "ون", "ين", "ات", "ية", "يه", "ان", "تها", "تهم"}
)


def _plausible_split(left: str, right: str) -> tuple[bool, bool]:
    """Whether ``left right`` could be two glued words, and whether a boundary cue supports it.

    ``وإنمائي`` is not ``وإن مائي`` and ``المرحلات`` is not ``الم رحلات``: a left part needs
    four letters, three of them beyond an article, the right part three letters and
    no suffix.  A cue is a left part ending in ة or ى (letters that end words) or a
    right part starting with the article or alef madda (``كافةشيء``, ``الاجتماعيالمجلس``).
    """
    stem = left
    for article in ("وال", "بال", "فال", "كال", "لل", "ال"):
        if left.startswith(article):
            stem = left[len(article) :]
            break
    plausible = len(left) >= 4 and len(stem) >= 3 and len(right) >= 3 and right not in _SUFFIXES
    cued = left[-1] in "ةى" or right.startswith(("ال", ALEF_MADDA))
    return plausible, cued


def _rebuild(line: str, tokens: list[list]) -> str:
    """Rebuild ``line`` with edited tokens; an emptied token takes one following space with it."""
    parts, position = [], 0
    for start, end, text in tokens:
        parts.append(line[position:start])
        parts.append(text)
        position = end
        if not text and line[position : position + 1] == " ":
            position += 1
    parts.append(line[position:])
    return "".join(parts)


# -- visual order ---------------------------------------------------------------------------
#
# The seed's extractor wrote some lines, or stretches of a line, in visual (left-to-right)
# order instead of logical order.  Three shapes, each undone only on evidence:
#
# * ѧ-led lines: the kashida glyph ѧ is a left-to-right letter, so a line whose first strong
#   character is ѧ was laid out as an LTR paragraph: its ѧ-separated Arabic runs come in
#   reverse order, «ѧѧي صѧѧل فѧѧلة المتمثѧѧال ذي الصѧѧي المجѧѧ...» (seed line 469).
#   get_display(base_dir="L") restores the visual order; reversing it gives the logical one.
# * segments: a line cut by wide gaps into segments printed left to right,
#   «، طلبت الجمعية أیضا إلى الأمين العام أن یقدم       63/202وفي قرارها       - 5» is
#   «5 - وفي قرارها 63/202، طلبت الجمعية أيضا إلى الأمين العام أن يقدم» (line 79).  Inside a
#   segment that holds a number, the number and the Arabic runs are in visual order too
#   («63/202وفي قرارها» is «وفي قرارها 63/202»).
# * rotations: a line wrapped mid-word whose head was printed at its end,
#   «ية العامة ... في وردت إلى الجمع» holds «الجمعية» (line 69); the head is moved back.
#
# A leading full stop, «. یتفق مع الإجراءات القانونية» (line 61), is the stop of that stretch's
# end, printed at its left: it is moved to the end.

_ARABIC_LETTER = f"[{_LETTER_CLASS}{FARSI_YEH}]"
_NOT_LETTER_RE = re.compile(f"[^{_LETTER_CLASS}]+")
_DIGIT_RE = re.compile(r"\d")
_ARABIC_LETTER_RE = re.compile(_ARABIC_LETTER)
_GAP_SPLIT_RE = re.compile(r"( {2,})")
_LATIN_RE = re.compile("[A-Za-z]")
_STRONG_RE = re.compile(f"[A-Za-z{KASHIDA_GLYPH}{_LETTER_CLASS}{FARSI_YEH}]")
_DIGIT_GLUE_RE = re.compile(rf"\d{KASHIDA_GLYPH}*{_ARABIC_LETTER}|{_ARABIC_LETTER}{KASHIDA_GLYPH}*\d")
# Runs of a segment in visual order: numbers (with their separators and note brackets), slashes, stops.
_RUN_SPLIT_RE = re.compile(r"\s*([()]?\d{1,3}(?: \d{3})+[()]?|[()]?\d+(?:\s?[/.,]\s?\d+)*[()]?|/|\.)\s*")
_PARAGRAPH_NUMBER_RE = re.compile(r"^-\s*(\d{1,3})$")
# A stop (spaced or not) or a comma / semicolon glued to the next word, at a segment's start.
_LEADING_STOP_RE = re.compile(f'^(?:\\.[\\s“”"]*|[،؛/])(?={_ARABIC_LETTER}|{KASHIDA_GLYPH})')
_CLAUSE_START_RE = re.compile(r"^[.،؛/]|^\d")
_SPACED_SLASH_NUMBER_RE = re.compile(r"^(\d+) / (\d+)$")
_JOIN_MIN_ZIPF = 3.0  # a word re-joined across a cut must be at least this common ...
_FRAGMENT_MAX_ZIPF = 3.0  # ... and one of its parts at most this common (a fragment, not a word)
_PIECES_MIN_ZIPF = 1.5  # the same, when neither part is a word
_ROTATION_MAX_ZIPF = 4.5  # a line's head and tail are re-joined only when neither is commoner than this


@lru_cache(maxsize=1 << 16)  # the same tokens recur: the visual-order search asks for them often
def _key(token: str) -> str:
    """The lexicon key of a raw token: Arabic letters only, ی as ي."""
    return _NOT_LETTER_RE.sub("", token.replace(FARSI_YEH, YEH))


def _fragment_zipf(key: str) -> float:
    """Zipf of ``key`` as a free-standing word: lone letters and an article with at most one letter are fragments."""
    return 0.0 if len(key) < 2 or (key.startswith("ال") and len(key) <= 3) else _key_zipf(key)


def _joins(left: str, right: str) -> bool:
    """Whether raw tokens ``left`` + ``right`` are one word cut in two (``ا`` + ``لحكومات``)."""
    left, right = _key(left), _key(right)
    if not left or not right or left == "و":  # a detached wa- says nothing about order
        return False
    if left in _LAM_ALEF_LIGATURES or right in _LAM_ALEF_LIGATURES:
        return False  # a detached lam-alef is rejoin_lam_alef's job
    whole = _key_zipf(left + right)
    if whole < _JOIN_MIN_ZIPF and right.startswith(ALEF_MADDA):
        whole = _key_zipf(left + right.replace(ALEF_MADDA, KAF))  # a damaged initial kaf: «مشار» + «آة»
    if whole < _JOIN_MIN_ZIPF:
        return False
    weakest = min(_fragment_zipf(left), _fragment_zipf(right))
    return weakest < _FRAGMENT_MAX_ZIPF and whole > weakest + 0.5


def _known_share(text: str) -> float:
    """Share of the Arabic tokens of ``text`` (ѧ removed) that are lexicon words (آ may be a kaf)."""
    keys = [_key(token) for token in _KASHIDA_RE.sub("", text).split()]
    keys = [key for key in keys if key]
    if not keys:
        return 0.0
    known = sum(
        1 for key in keys if _key_zipf(key) > 0 or (ALEF_MADDA in key and _key_zipf(key.replace(ALEF_MADDA, KAF)) > 0)
    )
    return known / len(keys)


def _undo_ltr_line(line: str) -> str:
    """An ѧ-led line laid out left to right, back in logical order (digits and Latin keep theirs)."""
    from bidi.algorithm import get_display  # deferred: only damaged ѧ-led lines need it

    reversed_line = get_display(line, base_dir="L")[::-1]
    # Reversing the whole line also reversed the left-to-right runs: turn those back.
    return re.sub(r"[0-9A-Za-z]+(?:[/.,:][0-9A-Za-z]+)*", lambda match: match.group()[::-1], reversed_line)


def _move_leading_stop(segment: str) -> str:
    """«. یتفق مع الإجراءات القانونية» -> «یتفق مع الإجراءات القانونية.»."""
    match = _LEADING_STOP_RE.match(segment)
    if not match:
        return segment
    return segment[match.end() :].rstrip() + match.group().replace(" ", "")


def _reverse_runs(segment: str) -> str:
    """A segment whose numbers and Arabic runs are in visual order: «63/202وفي قرارها» -> «وفي قرارها 63/202»."""
    runs = [run.strip() for run in _RUN_SPLIT_RE.split(segment) if run and run.strip()]
    # «2 / 2010», drawn as separate pieces, is resolution «2010/2».
    runs = [_SPACED_SLASH_NUMBER_RE.sub(r"\2/\1", run) for run in runs]
    return " ".join(reversed(runs))


def _visual_evidence(segments: list[str]) -> int:
    """Evidence that ``segments`` (raw order) are in visual order: > 0 visual, < 0 logical, 0 unknown."""
    score = 0
    if _PARAGRAPH_NUMBER_RE.match(segments[-1]):
        score += 2  # «- 5» printed at the right edge: the paragraph number of an RTL line
    if segments[0].startswith("،"):
        score += 1  # no logical line starts with a comma
    for later in segments[1:]:
        if _CLAUSE_START_RE.match(later):
            score += 1  # «. التي ینبغي ...»: a clause end that was printed at the segment's left
    score += sum(1 for segment in segments if _DIGIT_GLUE_RE.search(segment))
    for first, second in itertools.pairwise(segments):
        first_tokens, second_tokens = first.split(), second.split()
        if not first_tokens or not second_tokens:
            continue
        if _joins(second_tokens[-1], first_tokens[0]):
            score += 2  # «... قيام ا» + «لحكومات ...»: a word cut at the gap, visual order
        if _joins(first_tokens[-1], second_tokens[0]):
            score -= 2
    return score


def _join_cut_words(segments: list[str]) -> str:
    """Join segments (logical order) with one space, re-joining a word cut at a segment boundary."""
    # «ا» + «لكترونية» with a detached «لإت» elsewhere is «الإلكترونية»: left to rejoin_lam_alef.
    ligature = any(token.startswith(_LAM_ALEF_LIGATURES) for segment in segments for token in segment.split())
    out = segments[0]
    for segment in segments[1:]:
        tail, head = out.split()[-1:], segment.split()[:1]
        glue = " "
        if tail and head and _joins(tail[0], head[0]) and not (ligature and tail[0].endswith("ا")):
            glue = ""
        out = out + glue + segment
    return out


def _rotate(text: str) -> str:
    """Move a line's head fragment back behind its tail fragment: «ية ... الجمع» -> «... الجمعية»."""
    tokens = text.split()
    if len(tokens) < 3 or not _joins(tokens[-1], tokens[0]):
        return text
    if max(_fragment_zipf(_key(tokens[0])), _fragment_zipf(_key(tokens[-1]))) >= _ROTATION_MAX_ZIPF:
        return text  # a common word at either end («من», «في») is no wrapped head or tail
    body = text.strip()
    return body[len(tokens[0]) :].strip() + tokens[0]


def _fix_segment(segment: str) -> str:
    """A segment kept in place: its leading stop moved to its end, a wrapped head put back."""
    moved = _move_leading_stop(segment)
    if moved == segment:
        return _rotate(segment)
    stop = moved[len(moved.rstrip('.،؛/“”"')) :]
    return _rotate(moved[: len(moved) - len(stop)]) + stop


def _separate_glued_digits(text: str) -> str:
    """«2005ونس» / «مشاركا13»: a space between digits and letters that form a known word."""

    def split(match: re.Match) -> str:
        # Two alternatives: digits then letters (groups 1, 2), or letters before digits (group 3).
        # Only the first has groups 1 and 2; the second's replacement is its letters and a space.
        letters = match.group("after") or match.group("before")
        if _key(letters) in _PROCLITICS or (match.group("after") and len(_key(letters)) == 1):
            # «و2024», «ب2020»: a prefix written on its number; «2030م», «1442ه»: a year's era letter
            return match.group()
        known = max(_key_zipf(_key(letters)), _key_zipf(_key(letters).replace(ALEF_MADDA, KAF))) > 0
        if not known:
            return match.group()
        return f"{match.group(1)} {match.group(2)}" if match.group("after") else match.group() + " "

    if not _DIGIT_RE.search(text):  # every match holds a digit; most lines have none
        return text
    return _GLUED_DIGITS_RE.sub(split, text)


# One-letter prefixes (and the article) that Arabic writes joined to a following number.
_PROCLITICS = frozenset({"و", "ب", "ل", "ف", "ك", "ال", "وال", "بال", "لل"})
_GLUED_DIGITS_RE = re.compile(
    f"(\\d)((?P<after>{_ARABIC_LETTER}[{_LETTER_CLASS}{FARSI_YEH}{KASHIDA_GLYPH}]*))"
    f"|((?P<before>{_ARABIC_LETTER}[{_LETTER_CLASS}{FARSI_YEH}{KASHIDA_GLYPH}]*))(?=\\d)"
)


@lru_cache(maxsize=1)
def _reading_order() -> ReadingOrder | None:
    """The language-model reading-order search (None when the shipped count table is missing)."""
    from pipeline.stages.repair import ngram  # deferred: loading the table takes ~0.5 s

    try:
        model = ngram.load()
    except FileNotFoundError:
        return None
    return ReadingOrder(model, _known_raw, _joins_pieces, _is_fragment)


# Prefix letters that never stand alone: a piece made only of them is a fragment («و», «وب», «فال»).
_PREFIX_PIECE_RE = re.compile("^(?:[وف]?[بلك]?(?:ال)?|[وف]?لل)$")


def _is_fragment(word: str) -> bool:
    """Whether a raw word could be one side of a word cut in two (:func:`_joins_pieces` needs one)."""
    key = _key(word)
    return bool(_PREFIX_PIECE_RE.match(key)) or _fragment_zipf(key) < _FRAGMENT_MAX_ZIPF


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
    # A rare piece and a rare or two-letter one («تنب» + «غي»): a lexicon word they make is evidence.
    scores = sorted((_fragment_zipf(head), _fragment_zipf(tail)))
    weak = scores[0] < _FRAGMENT_MAX_ZIPF and (scores[1] < _FRAGMENT_MAX_ZIPF or min(len(head), len(tail)) <= 2)
    return weak and _key_zipf(head + tail) >= _PIECES_MIN_ZIPF


def _known_raw(word: str) -> bool:
    """Whether a raw word (ی, ѧ, a damaged آ for kaf) is a lexicon word: zipf >= 2 (rarer forms in the
    lexicon are mostly typos of glued words, «اومع», «إأن»)."""
    key = _key(word)
    return _key_zipf(key) >= 2.0 or (ALEF_MADDA in key and _key_zipf(key.replace(ALEF_MADDA, KAF)) >= 2.0)


def fix_visual_order_line(line: str, context: str = "", method: str = "rules", counts: Counter | None = None) -> str:
    """One line back in reading order (``method="lm"``: :mod:`.reading_order`; ``"rules"``: the rules below).

    ``context`` is the last word of the previous line in reading order (evidence for the first).
    Lines no reading beats by the search's margin come back unchanged.
    ``counts`` (optional) gets, per line the model search looked at, which reading was taken:
    ``fix_visual_order_model``, ``fix_visual_order_rules`` or ``fix_visual_order_below_margin`` (a
    better reading that did not win by the margin, so the line was left as it was).
    """
    if not _ARABIC_LETTER_RE.search(line):
        return line  # «2022:  0.6102»: without words there is no evidence of visual order
    if method == "rules" or _LEADING_LAM_ALEF_RE.search(line):
        # A detached lam-alef («لكترونية  لإت والتجارة ا») is rejoin_lam_alef's: its pieces are no words.
        return fix_visual_order_rules(line)
    searcher = _reading_order()
    if searcher is None:
        return fix_visual_order_rules(line)
    counts = Counter() if counts is None else counts
    original = line
    strong = _STRONG_RE.search(line)
    if strong is not None and strong.group() == KASHIDA_GLYPH:
        candidate = _undo_ltr_line(line)
        if _known_share(candidate) > _known_share(line):
            line = candidate
    indent, trail = line[: len(line) - len(line.lstrip())], line[len(line.rstrip()) :]
    body, prefix = line.strip(), ""
    parts = _GAP_SPLIT_RE.split(body)
    number = _PARAGRAPH_NUMBER_RE.match(parts[-1]) if len(parts) > 1 else None
    if number:  # «- 5» at the right edge: the paragraph number, printed last
        body, prefix = "".join(parts[:-2]), f"{number.group(1)} - "
    rebuilt, cuts, gain = searcher.reorder(body, context)
    rebuilt = _separate_glued_digits(prefix + rebuilt)
    # The rules' reading (paragraph numbers, numbers in visual order, rotations) competes: the
    # model's reading replaces it only when the model scores it higher by the margin.
    ruled = fix_visual_order_rules(original)
    if ruled != original and (
        not cuts or searcher.score(rebuilt, context) < searcher.score(ruled, context) + searcher.costs.margin
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


def fix_visual_order_rules(line: str) -> str:
    """One line back in logical order where the evidence says it was extracted in visual order.

    Lines without that evidence, and lines with Latin text (references like «E/2009/92»,
    whose layout this does not model), come back unchanged.  Applied to its own output
    it changes nothing: every change removes the evidence that triggered it.
    """
    if not line.strip() or _LATIN_RE.search(line):
        return line
    original = line
    strong = _STRONG_RE.search(line)
    if strong is not None and strong.group() == KASHIDA_GLYPH:
        candidate = _undo_ltr_line(line)
        if _known_share(candidate) > _known_share(line):
            line = candidate  # its wide gaps are still segment boundaries, handled below
    indent, trail = line[: len(line) - len(line.lstrip())], line[len(line.rstrip()) :]
    parts = _GAP_SPLIT_RE.split(line.strip())
    segments, gaps = parts[0::2], parts[1::2]
    if len(segments) >= 2 and _visual_evidence(segments) > 0:
        ordered = []
        for segment in reversed(segments):
            number = _PARAGRAPH_NUMBER_RE.match(segment)
            if number:
                ordered.append(f"{number.group(1)} -")
            elif _DIGIT_RE.search(segment):
                ordered.append(_reverse_runs(segment))
            else:
                ordered.append(_fix_segment(segment))
        rebuilt = _join_cut_words(ordered)  # single spaces: no gap is left to re-trigger this
    else:
        if len(segments) == 1 and _DIGIT_RE.match(segments[0]) and _DIGIT_GLUE_RE.search(segments[0]):
            segments[0] = _reverse_runs(segments[0])  # «2010/2لمجلس ...»: a number printed at the left
        segments = [_fix_segment(segment) for segment in segments]
        rebuilt = segments[0]
        for gap, segment in zip(gaps, segments[1:], strict=True):
            rebuilt += gap + segment
    rebuilt = _separate_glued_digits(rebuilt)
    if rebuilt.split() == original.split():
        return original
    return indent + rebuilt + trail


def repair_text(text: str, **options: object) -> str:
    """Fit a :class:`PdfArtefactRepair` on ``text`` and return the repaired text."""
    return PdfArtefactRepair(**options).fit(text).repair(text)


def repair_lines(lines: Iterable[str], **options: object) -> Iterator[str]:
    """Repair a stream of lines (CLI use); line endings are kept.

    Without a whole document to fit on, each line is judged on its own evidence
    plus the damage seen in earlier lines (a damaged document stays damaged).
    """
    repairer = PdfArtefactRepair(**options)
    seen = DamageEvidence()
    for line in lines:
        body = line.rstrip("\r\n")
        ending = line[len(body) :]
        evidence = DamageEvidence.of(body, capped=False)
        seen.farsi_initial_yeh += evidence.farsi_initial_yeh
        seen.arabic_initial_yeh += evidence.arabic_initial_yeh
        seen.kashida_glyphs += evidence.kashida_glyphs
        repairer._document = seen
        yield repairer.repair(body) + ending
