"""The caches and the whole-text steps of the damaged-text path (issue 18) change no result.

Every cache is keyed by what the cached decision reads; these tests repair documents in an order
that makes the caches hit (the same report twice, the same line in documents with other evidence,
other options) and compare with a repair that starts from empty caches.  The glyph steps of words
without «آ» run on whole stretches of text (``WordRepair._glyph_steps_at_once``); they are compared
with the word-by-word loop they replace.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.evaluate.repair import simulate_damage
from pipeline.stages.repair import caches
from pipeline.stages.repair.pdf_artefacts import PdfArtefactRepair
from tests.conftest import shared_path
from tests.stages.test_repair import ARABIC_ALPHABET, PROPERTY_SETTINGS


class _WordLoop(PdfArtefactRepair):
    """Repair as before the whole-text steps: every word through the word loop."""

    def _glyph_steps_at_once(self, text: str) -> None:
        return None


def _fresh(text: str, repair_class: type = PdfArtefactRepair, **options: object) -> tuple[str, dict, dict]:
    """Repair ``text`` from empty caches."""
    caches.clear_caches()
    repairer = repair_class(**options)
    repaired = repairer.fit(text).repair(text)
    return repaired, dict(repairer.counts), repairer.profile


def _units(text: str) -> list[str]:
    return [part for part in text.split("\n\n") if part.strip()]


@pytest.fixture(scope="module")
def damaged_news() -> list[str]:
    path = shared_path("news-ant", "news_ant_v2.1_multisource_sample.jsonl")
    with path.open(encoding="utf-8") as handle:
        texts = [json.loads(line)["text"] for _, line in zip(range(12), handle, strict=False)]
    return [simulate_damage(text, seed=number) for number, text in enumerate(texts)]


def test_cached_repair_equals_repair_from_empty_caches(seed_text: str, damaged_news: list[str]) -> None:
    documents = [seed_text, *damaged_news[:6], seed_text, seed_text[: len(seed_text) // 2], *damaged_news[:3]]
    expected = [_fresh(text) for text in documents]
    caches.clear_caches()
    repairer = PdfArtefactRepair()
    for text, (repaired, counts, profile) in zip(documents, expected, strict=True):
        repairer.counts.clear()
        assert repairer.fit(text).repair(text) == repaired
        assert dict(repairer.counts) == counts
        assert repairer.profile == profile
    assert caches.UNITS.data and caches.VISUAL_ORDER.data and caches.WORD_STEPS.data and caches.WORDS.data


def test_a_line_is_decided_again_in_a_document_with_other_evidence() -> None:
    """«آلية» reads as «آلية» where the document spells «الآليات», as «كلية» where it spells «الكلية»:
    the word steps' cache key holds the document's certain stems."""
    line = "آلية التنفيѧѧذ"
    madda = "\n".join([line, *["تعزیز الآليات والآلية"] * 3])
    kaf = "\n".join([line, *["تعزیز الكلية والكليات"] * 3])
    expected = [_fresh(text)[0] for text in (madda, kaf)]
    assert expected[0].split("\n")[0] != expected[1].split("\n")[0]  # the evidence decides
    caches.clear_caches()
    repairer = PdfArtefactRepair()
    assert [repairer.fit(text).repair(text) for text in (madda, kaf)] == expected


def test_options_are_part_of_every_key(seed_text: str) -> None:
    text = "\n".join(seed_text.split("\n")[:120])
    variants = [{}, {"kaf_context": "off"}, {"visual_order_method": "rules"}, {"unknown_kaf": "kaf"}, {}]
    expected = [_fresh(text, **options)[:2] for options in variants]
    caches.clear_caches()
    for options, (repaired, counts) in zip(variants, expected, strict=True):
        repairer = PdfArtefactRepair(**options)
        assert repairer.fit(text).repair(text) == repaired
        assert dict(repairer.counts) == counts


def test_units_repaired_one_by_one_hit_the_same_caches(seed_text: str) -> None:
    """The runner repairs a document unit by unit after fitting on it: the same units again give the same."""
    units = _units(seed_text)
    caches.clear_caches()
    first = PdfArtefactRepair().fit(seed_text)
    once = [first.repair(unit) for unit in units]
    second = PdfArtefactRepair().fit(seed_text)
    assert [second.repair(unit) for unit in units] == once
    assert dict(second.counts) == dict(first.counts)


def test_bounded_cache_drops_the_oldest_entries_first() -> None:
    cache = caches.BoundedCache(max_chars=10)
    for word in ("abcd", "efgh", "ijkl"):
        cache.put((word, 0), word.upper())
    assert cache.get(("abcd", 0)) is None
    assert cache.get(("efgh", 0)) == "EFGH" and cache.get(("ijkl", 0)) == "IJKL"
    assert cache.chars == 8
    cache.clear()
    assert cache.get(("ijkl", 0)) is None and cache.chars == 0


_STEP_OPTIONS = (
    {},
    {"split_glued_words": False},
    {"kaf_context": "off"},
    {"repair_yeh": False},
    {"glued_max_zipf": 4.0},
)


def test_whole_text_glyph_steps_equal_the_word_loop(seed_text: str, damaged_news: list[str]) -> None:
    texts = [seed_text, *damaged_news, *_units(seed_text)[:40], "ѧѧ تعزیѧѧز ـ الاجتماعيالمجلس آانت"]
    for options in _STEP_OPTIONS:
        for text in texts:
            assert _fresh(text, **options) == _fresh(text, _WordLoop, **options), (options, text[:80])


# Short lines of the damaged glyphs with and without «آ», long words that may be glued.
_GLYPH_TEXT = st.lists(
    st.sampled_from(["تعزیѧѧز", "آانت", "ѧ", "ـ", "یمكن", "الاجتماعيالمجلس", "مشارآة", "الآليات", "في"])
    | st.text(alphabet=ARABIC_ALPHABET + " ", max_size=12),
    max_size=12,
).map(" ".join)


@PROPERTY_SETTINGS
@given(_GLYPH_TEXT, st.sampled_from(_STEP_OPTIONS))
def test_whole_text_glyph_steps_equal_the_word_loop_on_random_lines(text: str, options: dict) -> None:
    assert _fresh(text, **options) == _fresh(text, _WordLoop, **options)
