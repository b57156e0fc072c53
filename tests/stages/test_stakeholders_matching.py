"""The stakeholder matchers on token lists (matching.PhraseTable, Token) against spaCy's PhraseMatcher,
which they replaced for speed: the same matches on the bundled report, overlapping ones included."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.stages.stakeholders.actors import load_actors, load_axes
from pipeline.stages.stakeholders.matching import PhraseTable, Token, _Lexicon, readings
from pipeline.text.arabic import light_fold

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "corpora" / "un-igov-ar" / "A-66-77_E-2011-103_ar.txt"


def _lexicon() -> _Lexicon:
    return _Lexicon(
        load_actors(ROOT / "configs" / "stakeholders.yaml"), load_axes(ROOT / "configs" / "positions.yaml"), light_fold
    )


def _spacy_matches(table: PhraseTable, tokens: list[Token]) -> set[tuple[str, int, int]]:
    """What spaCy's PhraseMatcher finds for the phrases of ``table`` on ``tokens``."""
    import spacy
    from spacy.matcher import PhraseMatcher
    from spacy.tokens import Doc

    vocab = spacy.blank("ar").vocab
    attr = "NORM" if table.attr == "norm_" else "LEMMA"
    matcher = PhraseMatcher(vocab, attr=attr)

    def doc(words: list[str], values: list[str]) -> Doc:
        built = Doc(vocab, words=words)
        for token, value in zip(built, values, strict=True):
            setattr(built[token.i], table.attr, value)
        return built

    for phrases in table.first.values():
        for keys, names in phrases.items():
            for name in names:
                matcher.add(name, [doc(list(keys), list(keys))])
    found = matcher(doc([t.text for t in tokens], [getattr(t, table.attr) for t in tokens]))
    return {(vocab.strings[m], s, e) for m, s, e in found}


def test_phrase_table_finds_what_spacy_phrase_matcher_finds_on_the_report() -> None:
    lexicon = _lexicon()
    paragraphs = [p for p in REPORT.read_text(encoding="utf-8").split("\n") if p.strip()]
    assert len(paragraphs) > 100
    text = lexicon.normalize("\n".join(paragraphs[:400]))
    tokens, offsets = lexicon.doc(text)
    assert [text[a:b] for a, b in offsets] == [t.text for t in tokens]
    total = 0
    for kind, table in lexicon.matchers.items():
        ours = table(tokens)
        assert len(ours) == len(set(ours)), kind
        assert set(ours) == _spacy_matches(table, tokens), kind
        total += len(ours)
    assert total > 100  # the comparison covered real matches


def test_phrase_table_returns_overlapping_and_nested_matches() -> None:
    table = PhraseTable("lemma_")
    table.add("ab", ("a", "b"))
    table.add("b", ("b",))
    table.add("bc", ("b", "c"))
    table.add("ab-again", ("a", "b"))
    tokens = [Token(w, w, w, True) for w in ("a", "b", "c", "a")]
    assert sorted(table(tokens)) == [("ab", 0, 2), ("ab-again", 0, 2), ("b", 1, 2), ("bc", 1, 3)]
    assert table([]) == []


def test_tokens_are_read_once_per_word_and_know_letters_from_punctuation() -> None:
    lexicon = _lexicon()
    tokens, _ = lexicon.doc("قالت الحكومة: الحكومة _ ٣٫٥ 12 ،")
    assert tokens[1] is tokens[3]  # the same word, one cached token
    assert [t.is_word for t in tokens] == [True, True, False, True, False, True, True, False]
    assert [t.is_word for t in tokens] == [any(ch.isalnum() for ch in t.text) for t in tokens]


@pytest.mark.parametrize("word", ["وللحكومات", "بالحكومات", "من", "الأمم", "فالمنظمات", "كل"])
def test_readings_are_cached_but_callers_get_their_own_list(word: str) -> None:
    first = readings(word)
    first.append("x")
    assert "x" not in readings(word)
    assert readings(word) == sorted(set(readings(word)))
