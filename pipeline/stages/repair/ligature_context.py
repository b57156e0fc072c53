"""A word two of whose ligature readings are words («العمل» / «العلم»): the neighbours decide.

Used by :meth:`LigatureRepair._ligatures_in_context` with the word-bigram model of
:mod:`pipeline.stages.repair.ngram` (option ``ligature_context``).  :class:`LigatureRepair` is the
repair stage's ligature step (a mixin of :class:`~.pdf_artefacts.PdfArtefactRepair`).
"""

from __future__ import annotations

from functools import lru_cache

from pipeline.stages.repair.ligatures import known, swap_readings


@lru_cache(maxsize=1 << 16)
def known_readings(word: str, pairs: frozenset[str]) -> tuple[str, ...]:
    """The readings of ``word`` (:func:`swap_readings`) that are known words, when more than one is:
    the words whose reading the neighbours decide («عمل» / «علم», «صالح» / «صلاح»); else []."""
    readings = swap_readings(word, pairs)
    if len(readings) < 2:
        return ()
    found = tuple(reading for reading in readings if known(reading))
    return found if len(found) > 1 else ()


def reading_in_context(readings: list[str], default: str, previous: str, following: str, model) -> str:
    """The reading of ``readings`` that a word-bigram ``model`` (:class:`ngram.BigramModel`) scores
    highest between the folded ``previous`` and ``following`` words (``""``: none): the sum of
    log10 P(reading | previous) and log10 P(following | reading).  ``default`` (the reading the
    lexicon chose) stands unless some reading's bigram with a neighbour was seen in the model's
    corpus: two unigram guesses do not overrule wordfreq's."""
    from pipeline.stages.repair import ngram

    folded = {reading: ngram.fold(reading) for reading in readings}
    if not any(
        (previous and f"{previous} {form}" in model.bigrams) or (following and f"{form} {following}" in model.bigrams)
        for form in folded.values()
    ):
        return default

    def score(reading: str) -> float:
        form = folded[reading]
        value = model.logp(previous, form) if previous else model.unigram(form)
        return value + (model.logp(form, following) if following else 0.0)

    scores = {reading: score(reading) for reading in readings}
    best = max(readings, key=lambda reading: (scores[reading], reading == default))
    return best


class LigatureRepair:
    """The ligature step of the repair stage: the document's learnt pairs (``_ligatures``, set by
    ``fit``) put back word by word, in context.  Mixed into :class:`~.pdf_artefacts.PdfArtefactRepair`,
    whose fields (``counts``, ``ligature_context``, the caches) it reads."""

    def _repair_ligatures(self, text: str) -> str:
        """Put the document's learnt ligature pairs back in logical order, word by word; a word two
        of whose readings are words («عمل» / «علم») is decided by its neighbours (``ligature_context``).

        In a file only part of which shows the damage (``ligature_parts_``), only the lines whose own
        evidence says so (:func:`.ligature_parts.line_evidence`; a line without evidence follows the line
        before it, in document order) are repaired."""
        if not self._ligatures:
            return text
        if not self.ligature_parts_:
            return self._put_back_ligatures(text)
        from pipeline.stages.repair.ligature_parts import line_evidence

        lines = text.split("\n")
        for index, line in enumerate(lines):
            evidence = line_evidence(line, self._ligatures)
            if evidence:
                self._ligature_line = evidence > 0
            if self._ligature_line:
                lines[index] = self._put_back_ligatures(line)
            elif evidence < 0:
                self.counts["fix_ligature_pairs_intact_lines"] += 1  # lines of the file's other font, left
        return "\n".join(lines)

    def _put_back_ligatures(self, text: str) -> str:
        from pipeline.stages.repair.ligatures import _WORD_WITH_MARKS_RE, repair_word

        cache = self._ligature_cache
        matches = list(_WORD_WITH_MARKS_RE.finditer(text))
        readings = []
        for match in matches:
            word = match.group()
            reading = cache.get(word)
            if reading is None:
                reading = cache[word] = repair_word(word, self._ligatures)
            readings.append(reading)
        if self.ligature_context == "ngram":
            readings = self._ligatures_in_context(text, matches, readings)
        pieces, position = [], 0
        for match, reading in zip(matches, readings, strict=True):
            if reading != match.group():
                self.counts["fix_ligature_pairs"] += 1
            pieces += [text[position : match.start()], reading]
            position = match.end()
        return "".join(pieces) + text[position:]

    def _ligatures_in_context(self, text: str, matches: list, readings: list[str]) -> list[str]:
        """``readings`` with each word whose readings hold more than one word decided by its
        neighbours (:func:`reading_in_context`); the neighbours are the adjacent words
        (only spaces between), as already read."""
        from pipeline.stages.repair import ligatures, ngram

        model = self._ligature_model
        if model is None:
            try:
                model = self._ligature_model = ngram.load()
            except FileNotFoundError:  # no model shipped: the lexicon decides alone
                self._ligature_model = False
                return readings
        if model is False:
            return readings
        choices = self._ligature_choices
        out = list(readings)
        for index, match in enumerate(matches):
            key = ligatures._KEY_DROP_RE.sub("", match.group())
            found = choices.get(key)
            if found is None:
                found = choices[key] = tuple(known_readings(key, self._ligatures))
            if not found:
                continue

            default = ligatures._KEY_DROP_RE.sub("", readings[index])
            previous, following = (_word_neighbour(text, matches, readings, index, step) for step in (-1, 1))
            chosen = reading_in_context(list(found), default, previous, following, model)
            if chosen != default:
                out[index] = ligatures.put_letters(match.group(), chosen)
                self.counts["fix_ligature_context"] += 1
        return out


def _word_neighbour(text: str, matches: list, readings: list[str], index: int, step: int) -> str:
    """The folded reading of the word ``step`` (-1 or 1) from word ``index`` of ``text`` (``matches``
    of its words, ``readings`` as read so far), or "" when none is adjacent (only spaces between)."""
    from pipeline.stages.repair import ligatures, ngram

    other = index + step
    if not 0 <= other < len(matches):
        return ""
    first, second = (matches[index], matches[other]) if step > 0 else (matches[other], matches[index])
    if text[first.end() : second.start()].strip():
        return ""  # punctuation or a number between: no word neighbour
    return ngram.fold(ligatures._KEY_DROP_RE.sub("", readings[other]))
