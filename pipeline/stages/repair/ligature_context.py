"""A word two of whose ligature readings are words («العمل» / «العلم»): the neighbours decide.

Used by :meth:`PdfArtefactRepair._ligatures_in_context` with the word-bigram model of
:mod:`pipeline.stages.repair.ngram` (option ``ligature_context``).
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
