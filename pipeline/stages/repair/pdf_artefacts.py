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
    split where both halves are common words and the whole is not a word; in a fitted
    document only when some line of it shows visual order (the same layout damage glues
    them): elsewhere a glued word is as the author typed it («المنظمةأدوار» in a menu).
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

import operator
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from pipeline.records import DocumentState
from pipeline.registry import register
from pipeline.stages.base import DocumentStage
from pipeline.stages.normalise import keep_orthography, shield_orthography
from pipeline.stages.repair import caches
from pipeline.stages.repair.caches import clear_caches  # noqa: F401 -- re-exported (benchmarks)
from pipeline.stages.repair.glyph_context import name_pairs, neighbour_key, word_gloss
from pipeline.stages.repair.glyphs import (
    _LEADING_LAM_ALEF_RE,
    _PRESENTATION_RE,
    _SHIELD,
    _WORD_RE,
    ALEF_MADDA,
    FARSI_YEH,
    KAF,
    TATWEEL,
    DamageEvidence,
    GlyphRepair,
    _certain_stems,
    _clean_key,
    _fold_presentation_forms,
    _has_presentation_forms,
    _presentation_table,
    _strip_kashida,
    lexicon,  # noqa: F401 -- re-exported: bench scripts, tests and other stages import it from here
    prefix_reading,
    zipf,  # noqa: F401
)
from pipeline.stages.repair.ligature_context import LigatureRepair
from pipeline.stages.repair.line_order import (  # _reading_order, fix_visual_order_line: re-exported too
    _after_key,
    _context_key,
    _reading_order,
    fix_visual_order_line,
)
from pipeline.stages.repair.visual_order_rules import shows_visual_order
from pipeline.stages.repair.words import WordRepair

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
_FIRST_THREE = operator.itemgetter(slice(None, 3))  # a stem's head (its first three letters)


@register("repair", "pdf_artefacts")
@dataclass
class PdfArtefactRepair(GlyphRepair, WordRepair, LigatureRepair, DocumentStage):
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
    # Neither reading a known word (names, «آدهار»): "char_model" takes the letter a frequency-weighted
    # character model of the lexicon prefers; "kaf" reads آ as kaf (by far the commoner letter).
    unknown_kaf: Literal["char_model", "kaf"] = "char_model"
    # "table": the damaged word's neighbours decide through the glyph context table (glyph_context.py).
    kaf_context: Literal["table", "off"] = "table"
    context_cap: float = 1.5  # zipf by which the neighbours can move a kaf decision at most
    gloss_weight: float = 2.0  # zipf a Latin gloss («(Aadhar)») adds to the reading its first letter agrees with
    # Calibrated maps (pipeline/stages/repair/calibrate.py): each is applied only where it raises
    # the known-word share of the document (or line) by a clear margin.
    fix_mojibake: bool = True  # UTF-8 Arabic read as cp1252 («Ø§Ù„», ftfy) or cp1256 («ط§ظ„»)
    reverse_lines: bool = True  # whole lines in reversed (visual) character order
    fix_ligature_pairs: bool = True  # two-letter ligatures extracted in visual order («يف», «املجلس»)
    # A word two of whose readings are words («عمل» / «علم»): "ngram" lets the word-bigram model
    # (ngram.py) decide from the neighbours; "off": the more frequent word.
    ligature_context: Literal["ngram", "off"] = "ngram"
    # A word the neighbours cannot decide where it stands reads as the document's other occurrences
    # of it read where they can (``ligature_context.document_votes``).
    ligature_votes: bool = True
    # A word the learnt pairs leave unknown takes a clear reading of the whole ligature family
    # (``ligature_context.rescue_word``).
    ligature_rescue: bool = True

    counts: Counter = field(default_factory=Counter, init=False, repr=False, compare=False)
    _document: DamageEvidence = field(default_factory=DamageEvidence, init=False, repr=False, compare=False)
    _stems: Counter = field(default_factory=Counter, init=False, repr=False, compare=False)
    _heads: Counter = field(default_factory=Counter, init=False, repr=False, compare=False)
    _word_cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _context_cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _kaf_gap: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    # Document evidence of names (glyph_context.name_pairs): («آل», «زيدان») -> count, and the first words.
    _name_pairs: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _name_words: frozenset = field(default_factory=frozenset, init=False, repr=False, compare=False)
    _stems_token: tuple | None = field(default=None, init=False, repr=False, compare=False)
    # The document's own word pairs (ngram.document_pairs), the reading-order search's cache model, and their id.
    _pairs: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _pairs_token: int | None = field(default=None, init=False, repr=False, compare=False)
    _options_id: int = field(default=-1, init=False, repr=False, compare=False)
    _context_table: object = field(default=None, init=False, repr=False, compare=False)
    _context: str = field(default="", init=False, repr=False, compare=False)
    _ligatures: frozenset = field(default_factory=frozenset, init=False, repr=False, compare=False)
    _ligature_cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _ligature_choices: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _ligature_votes: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _ligature_model: object = field(default=None, init=False, repr=False, compare=False)
    ligature_parts_: bool = field(default=False, init=False, repr=False, compare=False)
    _ligature_line: bool = field(default=False, init=False, repr=False, compare=False)
    # Whether the document shows lines in visual order (set by fit; None: not fitted, every line is read).
    _visual_order: bool | None = field(default=None, init=False, repr=False, compare=False)
    # The document's damage profile (set by fit; None: not fitted, each text judged on its own).
    profile: dict | None = field(default=None, init=False, repr=False, compare=False)

    # -- public API -------------------------------------------------------------------------

    def process(self, state: DocumentState) -> dict[str, int]:
        """Fit on the whole document, then repair every unit's raw text and every table title into
        display text (whitespace collapsed); counts: changes per fix."""
        self.counts = Counter()
        self.fit(state.document.text)
        for unit in state.units:
            unit.text = " ".join(self.repair(unit.raw, unit.visual_lines).split())
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
        self._ligature_choices = {}
        # Shared by the damage evidence (needed there only with «ی») and the certain stems.
        stripped = _strip_kashida(text) if FARSI_YEH in text else None
        self._document = DamageEvidence.of(text, stripped=stripped)
        self._visual_order = None
        if self._document.damaged:
            # Lines in visual order are read back only in a document where some line shows it.
            lines = text.split("\n") if self.fix_visual_order else []
            visual = next((index for index, line in enumerate(lines) if shows_visual_order(line)), None)
            self._visual_order = visual is not None
            self.profile.setdefault("profiles", []).append("seed_glyphs")
            self.profile["seed_glyphs"] = {
                "farsi_initial_yeh": self._document.farsi_initial_yeh,
                "arabic_initial_yeh": self._document.arabic_initial_yeh,
                "kashida_glyphs": self._document.kashida_glyphs,
                "visual_order_line": visual,  # the first line that shows visual order (0-based), or None
            }
        # The document's own word pairs, a cache model for the reading-order search (``document_pairs``).
        self._pairs = {}
        if self._visual_order and self.visual_order_method == "lm":
            from pipeline.stages.repair.ngram import document_pairs  # deferred, as the model's table is

            self._pairs = document_pairs(text)
        self._pairs_token = caches.pairs_id(self._pairs) if self._pairs else None
        stems = list(_certain_stems(text, stripped)) if self._document.damaged else []
        # Counted in C, in the order of the loop they replaced; clean text (no stems) skips the
        # mapping check of Counter(iterable).
        self._stems = Counter(stems) if stems else Counter()
        self._heads = Counter(map(_FIRST_THREE, stems)) if stems else Counter()
        self._stems_token = None
        self._word_cache = {}
        self._context_cache = {}
        self._kaf_gap = {}
        self._name_pairs = name_pairs(stripped or text) if self._document.damaged else {}
        self._name_words = frozenset(first for first, _ in self._name_pairs)
        self.ligature_parts_ = False  # set by learn_ligatures: the pairs hold in some lines only
        self._ligature_line = False  # in such a file, whether the line before was damaged
        self._ligatures = learn_ligatures(self, text, self._document.damaged)
        self._ligature_votes = {}
        if self._ligatures and self.ligature_context == "ngram" and self.ligature_votes:
            from pipeline.stages.repair.ligature_context import document_votes

            self._ligature_votes = document_votes(self, text)
        finish_profile(self.profile)
        for name in self.profile["profiles"]:
            self.counts[f"profile_{name}"] += 1  # documents with each damage profile, summed by the run
        return self

    def repair(self, text: str, visual_lines: Collection[int] = ()) -> str:
        """The repaired text, with the same number of lines; adds to :attr:`counts`.  ``visual_lines``:
        lines (0-based) whose paragraph number the structure stage took off their right edge
        (:attr:`~pipeline.records.Unit.visual_lines`), a prior for their reading order."""
        from pipeline.stages.repair.profile import apply_calibrated_maps, record_after  # deferred: import cycle

        repaired = self._repair(apply_calibrated_maps(self, text), frozenset(visual_lines))
        if self.profile and self.profile["profiles"]:
            record_after(self, repaired)
        return repaired

    def _repair(self, text: str, visual_lines: frozenset[int] = frozenset()) -> str:
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
            # A kaf prefix in the seed font's initial form («آـ"قلب» for «كـ"قلب») is a prefix too.
            text = shield_orthography(text, _SHIELD, prefix_reading(text))
            if ALEF_MADDA + _SHIELD in text:  # joined to the tatweel after it: a kaf, as before any tatweel
                self.counts["repair_kaf"] += text.count(ALEF_MADDA + _SHIELD)
                text = text.replace(ALEF_MADDA + _SHIELD, KAF + _SHIELD)
        # The glued-word split reads whether the document shows visual order (``_splits_glued``).
        option_values = (*caches.options(self), self._splits_glued())
        evidence = caches.evidence_id(self, option_values)
        self._options_id = caches.options_id(option_values)
        key = (text, yeh_damaged, evidence, visual_lines, self._visual_order)
        cached = caches.UNITS.get(key)
        if cached is None:

            def lines(text: str = text) -> str:
                ordered = self._order_lines(text.split("\n"), visual_lines)
                return "\n".join(self._word_line(line, yeh_damaged, evidence) for line in ordered)

            cached = caches.counted(self, lines)
            caches.UNITS.put(key, cached)
        caches.replay(self.counts, cached[1])
        return self._repair_ligatures(cached[0].replace(_SHIELD, TATWEEL))

    # -- lines ------------------------------------------------------------------------------

    def _order_lines(self, lines: list[str], visual_lines: frozenset[int]) -> list[str]:
        """The unit's lines in reading order (``fix_visual_order``).  With the model, in two passes: the
        second reads each line after the previous line's reading and before the next line's first
        reading, whose first unit is evidence for this line's last (:meth:`ReadingOrder.reorder`)."""
        searcher = _reading_order() if self.fix_visual_order and self.visual_order_method == "lm" else None
        if searcher is None:
            return self._order_pass(lines, visual_lines, None)
        searcher.use_document(self._pairs, self._pairs_token)
        try:
            first = self._order_pass(lines, visual_lines, None)
            following = [""] * len(lines)  # the next non-blank line as the first pass read it
            for index in range(len(lines) - 2, -1, -1):
                following[index] = first[index + 1] if first[index + 1].strip() else following[index + 1]
            return self._order_pass(lines, visual_lines, following)
        finally:
            searcher.use_document(None)  # lines read outside a fitted document are read alone

    def _order_pass(self, lines: list[str], visual_lines: frozenset[int], following: list[str] | None) -> list[str]:
        self._context = "."  # a unit starts a sentence: its first line is read after a stop
        last_pass = following is not None or self.visual_order_method != "lm"
        return [
            self._order_line(line, index in visual_lines, following[index] if following else "", last_pass)
            for index, line in enumerate(lines)
        ]

    def _order_line(self, line: str, visual_end: bool, after: str, counted: bool) -> str:
        """One line of a damaged unit in reading order, cached by what it reads (:mod:`.caches`);
        ``counted``: the pass whose readings are kept adds to :attr:`counts`."""
        if self.fix_visual_order and (self._visual_order is not False or visual_end):
            # First: it needs the ѧ positions and the wide gaps, which the other steps remove or blur.
            # Skipped in a fitted document no line of which shows visual order (``shows_visual_order``):
            # there a number glued to a word («10مارس») or a numbered list is as the author typed it.
            method = self.visual_order_method

            def compute(line: str = line, context: str = self._context) -> tuple[str, tuple]:
                delta: Counter = Counter()
                return fix_visual_order_line(line, context, method, delta, visual_end, after), tuple(delta.items())

            key = f"{method}+end" if visual_end else method  # the prior is part of what the step reads
            if after:
                key = f"{key}<{_after_key(after)}"  # so is the next line's first unit
            if self._pairs:
                key = f"{key}#{self._pairs_token}"  # and the document's pairs
            fixed, last, delta = caches.visual_order(line, _context_key(self._context, method), key, compute)
            if counted:
                caches.replay(self.counts, delta)
                if fixed != line:
                    self.counts["fix_visual_order"] += 1
            line = fixed
            if last is not None:  # the previous line's last word is evidence for the next line's first
                self._context = last
        return line

    def _word_line(self, line: str, yeh_damaged: bool, evidence: int) -> str:
        """The word steps of one line of a damaged unit, cached by what they read."""
        key = (line, yeh_damaged, evidence)
        cached = caches.WORD_STEPS.get(key)
        if cached is None:
            cached = caches.counted(self, lambda: self._word_steps(line, yeh_damaged))
            caches.WORD_STEPS.put(key, cached)
        caches.replay(self.counts, cached[1])
        return cached[0]

    def _word_steps(self, line: str, yeh_damaged: bool) -> str:
        if ALEF_MADDA in line and self.repair_kaf and self.kaf_context != "off":
            line = self._repair_words_in_context(line, yeh_damaged)
        elif ALEF_MADDA not in line:
            line = self._repair_plain_words(line, yeh_damaged)
        else:
            line = _WORD_RE.sub(lambda match: self._repair_word(match.group(), yeh_damaged), line)
        if self.rejoin_lam_alef and _LEADING_LAM_ALEF_RE.search(line):
            line = self._rejoin_lam_alef(line)
        return line

    # -- words ------------------------------------------------------------------------------

    def _repair_words_in_context(self, line: str, yeh_damaged: bool) -> str:
        """Repair the words of ``line``; a word whose آ only evidence can decide is decided again with its
        neighbours as first repaired (the glyph context table) and a Latin gloss after it, when they
        could change the decision (see ``_kaf_gap``)."""
        gaps = self._kaf_gap
        close = max(self.context_cap, self.gloss_weight) + self.kaf_margin
        open_words = []  # words whose decision the neighbours might change

        # The words with «آ» one by one, the text between them at once (words.py).
        pieces, position, alef = [], 0, []  # alef: (match index, piece index) of each word with «آ»
        matches = list(_WORD_RE.finditer(line))
        for index, match in enumerate(matches):
            raw = match.group()
            if ALEF_MADDA in raw:
                pieces += [self._repair_plain_words(line[position : match.start()], yeh_damaged)]
                alef.append((index, len(pieces)))
                pieces += [self._repair_word(raw, yeh_damaged)]
                if gaps.get((raw, yeh_damaged), close) < close or _clean_key(raw) in self._name_words:
                    open_words.append(raw)
                position = match.end()
        pieces.append(self._repair_plain_words(line[position:], yeh_damaged))
        if not open_words:
            return "".join(pieces)  # the common case: every آ decided beyond what context could change
        # Each word as first repaired (or decided again so far); only the neighbours of an open «آ»
        # word are looked up (no second count).
        words = {index: pieces[piece] for index, piece in alef}

        def word(index: int) -> str:
            if index not in words:
                words[index] = self._settled_word(matches[index].group(), yeh_damaged)
            return words[index]

        reach = self.context_cap + self.kaf_margin
        for index, piece in alef:
            raw = matches[index].group()
            gap = self._kaf_gap.get((raw, yeh_damaged))
            if gap is None or " " in words[index]:
                continue  # no free آ, or a split word
            start, end = matches[index].span()
            gloss = word_gloss(line, matches, index)  # a Latin gloss, or the letter of a spelled-out acronym
            named = _clean_key(raw) in self._name_words
            if gap >= (max(reach, self.gloss_weight + self.kaf_margin) if gloss else reach) and not named:
                continue  # a decision no neighbour could change
            before = line[matches[index - 1].end() if index else 0 : start]
            after = line[end : matches[index + 1].start() if index + 1 < len(matches) else len(line)]
            left = neighbour_key(before, word(index - 1) if index else "", last=True)
            right = neighbour_key(after, word(index + 1) if index + 1 < len(matches) else "", last=False)
            key = (raw, yeh_damaged, left, right, gloss)
            decided = self._context_cache.get(key)
            if decided is None:
                decided = self._context_cache[key] = self._repair_single(raw, yeh_damaged, {}, (left, right, gloss))
            if decided != words[index]:
                self.counts["repair_kaf"] += decided.count(KAF) - words[index].count(KAF)
                self.counts["repair_kaf_context"] += 1  # decisions the neighbours or a gloss changed
                words[index] = pieces[piece] = decided
        return "".join(pieces)

    def _cached_word(self, raw: str, yeh_damaged: bool) -> tuple[str, tuple] | None:
        """(repaired word, counts) of ``raw`` if it was repaired before: a word with «آ» in this document
        (the kaf decision reads its certain stems), any other word in any document (:mod:`.caches`)."""
        if ALEF_MADDA in raw:
            return self._word_cache.get((raw, yeh_damaged))
        return caches.WORDS.data.get((raw, yeh_damaged, self._options_id))

    def _repair_word(self, raw: str, yeh_damaged: bool) -> str:
        cached = self._cached_word(raw, yeh_damaged)
        if cached is None:
            changes: dict[str, int] = {}
            word = self._repair_glued(raw, yeh_damaged, changes)
            cached = (word, tuple(changes.items()))
            if ALEF_MADDA in raw:
                self._word_cache[(raw, yeh_damaged)] = cached
            else:
                caches.WORDS.put((raw, yeh_damaged, self._options_id), cached)
        word, changes = cached
        for step, number in changes:
            self.counts[step] += number
        return word


def repair_text(text: str, **options: object) -> str:
    """Fit a :class:`PdfArtefactRepair` on ``text`` and return the repaired text."""
    return PdfArtefactRepair(**options).fit(text).repair(text)


def repair_lines(lines: Iterable[str], **options: object) -> Iterator[str]:
    """Repair a stream of lines (CLI use); line endings are kept.

    Without a whole document to fit on, each line is judged on its own evidence
    plus the damage seen in earlier lines (a damaged document stays damaged); lines are read in
    visual order once a line so far showed it (:func:`shows_visual_order`), as :meth:`fit` decides.
    """
    repairer = PdfArtefactRepair(**options)
    repairer._visual_order = False
    seen = DamageEvidence()
    for line in lines:
        body = line.rstrip("\r\n")
        ending = line[len(body) :]
        evidence = DamageEvidence.of(body, capped=False)
        seen.farsi_initial_yeh += evidence.farsi_initial_yeh
        seen.arabic_initial_yeh += evidence.arabic_initial_yeh
        seen.kashida_glyphs += evidence.kashida_glyphs
        repairer._document = seen
        repairer._visual_order = repairer._visual_order or shows_visual_order(body)
        yield repairer.repair(body) + ending
