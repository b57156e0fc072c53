"""The word steps of the repair stage: glued words split, a displaced lam-alef put back, digits glued to words.

``split_glued_words`` and ``rejoin_lam_alef`` of :class:`~pipeline.stages.repair.pdf_artefacts.PdfArtefactRepair`
(see its module docstring), and the space put back between digits and a glued word that the
visual-order steps use.  The words of a line without «آ» take the glyph steps as whole stretches of
text (:meth:`WordRepair._glyph_steps_at_once`: ``str.replace`` and one ``subn``, issue 18), with the
results and counts of the word-by-word loop.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter

from pipeline.stages.repair.glyphs import (
    _ARABIC_LETTER,
    _KASHIDA_RE,
    _LAM_ALEF_LIGATURES,
    _LETTER_CLASS,
    _NOT_KEY,
    _WORD_CHARS,
    _WORD_RE,
    ALEF_MADDA,
    FARSI_YEH,
    KAF,
    KASHIDA_GLYPH,
    MARKS,
    TATWEEL,
    YEH,
    _clean_key,
    _key,
    _key_zipf,
    zipf,
)

_DIGIT_RE = re.compile(r"\d")
# A word of ѧ and tatweel alone (its ѧ are no kashida: only tatweel goes) and a word of seven
# characters or more (the glued-word check): the words the whole-text path leaves to the word loop.
# Both led by a class and a look-behind to the word's start (a plain class lead is scanned in C).
_BARE_KASHIDA_WORD_RE = re.compile(
    f"[{KASHIDA_GLYPH}{TATWEEL}](?<!{_WORD_CHARS}.)[{KASHIDA_GLYPH}{TATWEEL}]*(?!{_WORD_CHARS})"
)
_LONG_WORD_RE = re.compile(f"{_WORD_CHARS}(?<!{_WORD_CHARS}.){_WORD_CHARS}{{6,}}")


class WordRepair:
    """The word steps of :class:`~pipeline.stages.repair.pdf_artefacts.PdfArtefactRepair`.

    A mixin: it reads the stage's options (``split_glued_words``, ``glued_*_zipf``) and uses
    :meth:`~pipeline.stages.repair.glyphs.GlyphRepair._repair_single` for each part of a word.
    """

    def _splits_glued(self) -> bool:
        """Whether glued words are split: not in a fitted document no line of which shows visual order.
        Words glued across a column gap come with the layout damage that draws segments out of order
        (the bundled report); text typed in reading order keeps its author's glued words («مساءالسبت»,
        menu items run together, «المنظمةأدوار»), as the clean path keeps them."""
        return self.split_glued_words and self._visual_order is not False

    def _repair_glued(self, raw: str, yeh_damaged: bool, changes: dict[str, int]) -> str:
        """Repair one word; split it in two first when it is two words glued together."""
        word = self._repair_single(raw, yeh_damaged, changes)
        if not self._splits_glued() or len(word) < 7 or _key_zipf(_clean_key(word)) >= self.glued_max_zipf:
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

    # -- words without «آ», as one text -------------------------------------------------------

    def _repair_plain_words(self, text: str, yeh_damaged: bool) -> str:
        """The words of ``text`` (none holds «آ») repaired as :meth:`_repair_word` repairs each: by
        :meth:`_glyph_steps_at_once` when it can, else word by word."""
        done = self._glyph_steps_at_once(text)
        if done is not None:
            return done
        # A long word failed the glued-word check (or a word is ѧ alone): long words one by one,
        # the stretches between them at once again.
        pieces, position = [], 0
        for match in _LONG_WORD_RE.finditer(text):
            pieces += [self._repair_short_words(text[position : match.start()], yeh_damaged)]
            pieces += [self._repair_word(match.group(), yeh_damaged)]
            position = match.end()
        pieces.append(self._repair_short_words(text[position:], yeh_damaged))
        return "".join(pieces)

    def _repair_short_words(self, text: str, yeh_damaged: bool) -> str:
        """:meth:`_repair_plain_words` of a stretch without a word of seven characters or more."""
        done = self._glyph_steps_at_once(text) if text else text
        if done is None:
            return _WORD_RE.sub(lambda match: self._repair_word(match.group(), yeh_damaged), text)
        return done

    def _glyph_steps_at_once(self, text: str) -> str | None:
        """``text`` (no «آ») with every word's glyph steps done by whole-text string operations, counted
        as the word loop counts them; None (nothing counted) when a word needs the loop.

        Without «آ», a word's repair is ی -> ي (``repair_yeh``, one count per ی), then its runs of ѧ and
        tatweel deleted (``strip_kashida``, one count per run), then the glued-word check, which only
        a repaired word of seven characters or more that is no known word (zipf under
        ``glued_max_zipf``) can fail.  ی, ѧ and tatweel occur only inside words, so the whole text
        takes the first two in C with the same counts.  The loop keeps: a word of ѧ / tatweel alone
        (only its tatweel goes), a long unknown word, and options that switch a step off.
        """
        if not (self.repair_yeh and self.strip_kashida) or _BARE_KASHIDA_WORD_RE.search(text):
            return None
        yeh = text.count(FARSI_YEH)
        if yeh:
            text = text.replace(FARSI_YEH, YEH)
        runs = 0
        if KASHIDA_GLYPH in text or TATWEEL in text:
            text, runs = _KASHIDA_RE.subn("", text)
        if self._splits_glued():
            threshold = self.glued_max_zipf
            if any(_key_zipf(_clean_key(word)) < threshold for word in _LONG_WORD_RE.findall(text)):
                return None
        if yeh:
            self.counts["repair_yeh"] += yeh
        if runs:
            self.counts["strip_kashida"] += runs
        return text

    def _settled_word(self, raw: str, yeh_damaged: bool) -> str:
        """``raw`` as the line's first pass repaired it, without counting it again."""
        cached = self._cached_word(raw, yeh_damaged)
        return cached[0] if cached is not None else self._repair_glued(raw, yeh_damaged, {})

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
