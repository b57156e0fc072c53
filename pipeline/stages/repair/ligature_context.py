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
    chosen = seen_in_context(readings, default, previous, following, model)
    return default if chosen is None else chosen


def seen_in_context(readings: list[str], default: str, previous: str, following: str, model) -> str | None:
    """:func:`reading_in_context`'s choice, or None when no reading's bigram with a neighbour was seen."""
    from pipeline.stages.repair import ngram

    folded = {reading: ngram.fold(reading) for reading in readings}
    if not any(
        (previous and f"{previous} {form}" in model.bigrams) or (following and f"{form} {following}" in model.bigrams)
        for form in folded.values()
    ):
        return None

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

    def _ligature_reading(self, word: str) -> str:
        """``word`` with the learnt pairs put back (:func:`.ligatures.repair_word`), or rescued by the
        whole ligature family when they leave it (:func:`rescue_word`, option ``ligature_rescue``)."""
        from pipeline.stages.repair.ligatures import repair_word

        reading = repair_word(word, self._ligatures)
        if reading == word and self.ligature_rescue:
            reading = rescue_word(word, self._ligatures)
        return reading

    def _word_readings(self, matches: list) -> list[str]:
        """The reading of each matched word without context (:meth:`_ligature_reading`), cached per document."""
        cache, readings = self._ligature_cache, []
        for match in matches:
            word = match.group()
            reading = cache.get(word)
            if reading is None:
                reading = cache[word] = self._ligature_reading(word)
            readings.append(reading)
        return readings

    def _bigram_model(self):
        """The word-bigram model for readings in context (shipped, unless set), or None when missing."""
        from pipeline.stages.repair import ngram

        if self._ligature_model is None:
            try:
                self._ligature_model = ngram.load()
            except FileNotFoundError:  # no model shipped: the lexicon decides alone
                self._ligature_model = False
        return self._ligature_model or None

    def _put_back_ligatures(self, text: str) -> str:
        from pipeline.stages.repair.ligatures import _WORD_WITH_MARKS_RE

        matches = list(_WORD_WITH_MARKS_RE.finditer(text))
        readings = self._word_readings(matches)
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
        from pipeline.stages.repair import ligatures

        model = self._bigram_model()
        if model is None:
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
            chosen = seen_in_context(list(found), default, previous, following, model)
            if chosen is None:  # no neighbour seen: the document's other occurrences, then the lexicon
                chosen = self._ligature_votes.get(key, default)
            if chosen != default:
                out[index] = ligatures.put_letters(match.group(), chosen)
                self.counts["fix_ligature_context"] += 1
        return out


RESCUE_MIN_ZIPF = 3.0  # a rescued reading must be at least this common ...
RESCUE_MARGIN = 1.0  # ... and beat every other reading by this much ...
RESCUE_MAX_WORD_ZIPF = 3.0  # only a rare word is rescued (a damaged form is rare: the web's «يف» is 2.9) ...
RESCUE_OVER_WORD = 2.0  # ... and the word itself by this much (wordfreq lists damaged forms from the web: «خالل»)


@lru_cache(maxsize=1)
def _family_pairs() -> frozenset[str]:
    """Every pair of the ligature family (``ligatures._ligature_candidate``), in logical order, any position."""
    from pipeline.stages.repair import ligatures

    return frozenset(pair[::-1] for pair in ligatures._reversed_family())


def rescue_word(raw: str, learnt: frozenset[str]) -> str:
    """A word the learnt pairs leave unknown, in a document with the ligature damage: the reading that
    swaps of any pair of the ligature family make a common word («الفيمل» -> «الفيلم» where the
    document's short text did not show «لم» often enough to learn it), when one reading clearly wins;
    else ``raw``.  A word that is common itself is left: the ambiguity of two words stays with the learnt pairs."""
    from pipeline.stages.repair import glyphs, ligatures

    key = ligatures._KEY_DROP_RE.sub("", raw)
    if len(key) < 3 or glyphs._key_zipf(key) >= RESCUE_MAX_WORD_ZIPF:  # most words: one lookup
        return raw
    readings = ligatures.swap_readings(key, _family_pairs())
    if len(readings) == 1:
        return raw
    scored = sorted(((glyphs._key_zipf(reading), reading) for reading in readings[1:]), reverse=True)
    best, reading = scored[0]
    floor = max(RESCUE_MIN_ZIPF, glyphs._key_zipf(key) + RESCUE_OVER_WORD)
    if best < floor or (len(scored) > 1 and scored[1][0] > best - RESCUE_MARGIN):
        return raw
    return ligatures.put_letters(raw, reading) if key != raw else reading


def document_votes(repairer, text: str) -> dict[str, str]:
    """Damaged word (its key) -> the reading the neighbours chose at most of its occurrences in ``text``
    where they were seen beside one (:func:`seen_in_context`), when that reading won strictly more of them
    than any other: a word the model cannot decide in one place («صالح» / «صلاح» alone) reads as the
    document's same word reads where it can (one spelling per document, as a name keeps its own)."""
    from collections import Counter

    from pipeline.stages.repair import ligatures

    model = repairer._bigram_model()
    if model is None:
        return {}
    pairs, choices = repairer._ligatures, repairer._ligature_choices
    # Only a word with two readings that are words, and that stands twice or more, can take a vote
    # from elsewhere: the lines holding one are read (most lines hold none).
    keys: Counter = Counter()
    for word, count in Counter(ligatures._WORD_WITH_MARKS_RE.findall(text)).items():
        keys[ligatures._KEY_DROP_RE.sub("", word)] += count
    repeated = set()
    for key, count in keys.items():
        if count > 1:
            found = choices.get(key)
            if found is None:
                found = choices[key] = tuple(known_readings(key, pairs))
            if found:
                repeated.add(key)
    if not repeated:
        return {}
    votes: dict[str, Counter] = {}
    for line in text.split("\n"):
        matches = list(ligatures._WORD_WITH_MARKS_RE.finditer(line))
        readings = None
        for index, match in enumerate(matches):
            key = ligatures._KEY_DROP_RE.sub("", match.group())
            if key not in repeated:
                continue
            found = choices[key]
            if readings is None:
                readings = repairer._word_readings(matches)
            default = ligatures._KEY_DROP_RE.sub("", readings[index])
            previous, following = (_word_neighbour(line, matches, readings, index, step) for step in (-1, 1))
            chosen = seen_in_context(list(found), default, previous, following, model)
            if chosen is not None:
                votes.setdefault(key, Counter())[chosen] += 1
    out = {}
    for key, counter in votes.items():
        ranked = counter.most_common(2)
        if len(ranked) == 1 or ranked[0][1] > ranked[1][1]:
            out[key] = ranked[0][0]
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
