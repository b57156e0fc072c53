"""Word tokens equal camel-tools' simple_word_tokenize; features meet across inflections; phrases are deterministic."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings

from pipeline.errors import ConfigError
from pipeline.registry import lookup
from pipeline.stages.normalise import CamelNormaliser
from pipeline.stages.tokenise import FeatureTokeniser, camel_words, fast_words, light_stem, make_stemmer, regex_words
from tests.conftest import ROOT, shared_path
from tests.stages.test_normalise import texts

DOMAIN = ROOT / "configs" / "stopwords_domain.txt"
NORMALISER = CamelNormaliser()


def features(text: str, **options) -> list[str]:
    return FeatureTokeniser(**options).features(NORMALISER.normalise(text))


def test_registered():
    assert lookup("tokenise", "camel_words") is FeatureTokeniser


def test_words_equal_camel_on_seed(seed_text):
    tokeniser = FeatureTokeniser()
    assert tokeniser.words(NORMALISER.normalise(seed_text)) == camel_words(NORMALISER.normalise(seed_text))
    assert tokeniser.words(seed_text) == camel_words(seed_text)  # raw text too (other code paths)


def test_words_equal_camel_on_news_sample():
    path = shared_path("news-ant", "news_ant_v2.1_multisource_sample.jsonl")
    tokeniser = FeatureTokeniser()
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            norm = NORMALISER.normalise(json.loads(line)["text"])
            assert tokeniser.words(norm) == camel_words(norm), number


def test_split_and_findall_paths_agree_on_news_sample():
    # fast_words (re.split + str.split) against the findall path it falls back to, on raw and
    # normalised text; the raw text has NBSPs, joiners and a few emoji, so both paths are taken.
    path = shared_path("news-ant", "news_ant_v2.1_multisource_sample.jsonl")
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            text = json.loads(line)["text"]
            assert fast_words(text) == regex_words(text), number
            norm = NORMALISER.normalise(text)
            assert fast_words(norm) == regex_words(norm), number


def test_features_skip_symbols_as_before():
    # features() reads fast_words' tokens, symbols included; a symbol is no Arabic word, so the
    # features are those of camel-tools' tokens with symbols left out.
    tokeniser = FeatureTokeniser()
    path = shared_path("news-ant", "news_ant_v2.1_multisource_sample.jsonl")
    with path.open(encoding="utf-8") as lines:
        for number, line in zip(range(300), lines, strict=False):
            norm = NORMALISER.normalise(json.loads(line)["text"])
            got = tokeniser.features(norm)  # first: it loads the stemmer and stop words
            expected = [feature for word in camel_words(norm) if (feature := tokeniser._feature(word))]
            assert got == expected, number


@settings(max_examples=250, deadline=None)
@given(text=texts)
def test_words_equal_camel_on_random_text(text):
    assert fast_words(text) == regex_words(text) == camel_words(text)
    norm = NORMALISER.normalise(text)
    assert fast_words(norm) == camel_words(norm)


@pytest.mark.parametrize(
    "text",
    [
        "مرحبا 👍🏽 و🇸🇦!",  # skin tone and flag sequences: camel-tools fallback
        "1️⃣#️⃣ keycaps",  # keycap sequences
        "𝐀𝐁 math letters and 😀 one emoji",  # astral characters without sequences
        "a\u200db ©\ufe0f",  # joiner and variation selector after a symbol
    ],
)
def test_words_equal_camel_on_emoji_and_astral_text(text):
    assert fast_words(text) == camel_words(text)


def test_features_keep_only_arabic_content_words():
    assert features("في عام 2010 قال ICT إن المجتمع المدني، والحكومات.") == ["عام", "مجتمع", "مدني", "حكوم"]


@pytest.mark.parametrize(
    "forms",
    [
        ("البيانات", "بيانات", "وبياناتها"),
        ("الشخصية", "الشخصي", "شخصية"),
        ("الإنترنت", "بالإنترنت", "للإنترنت", "والإنترنت"),
        ("حماية", "الحماية", "لحماية"),
        ("المصلحة", "مصلحة"),
        ("الحكومة", "الحكومات", "حكومته"),
    ],
)
def test_inflected_forms_meet_at_one_stem(forms):
    stems = {tuple(features(form)) for form in forms}
    assert len(stems) == 1 and len(next(iter(stems))) == 1, stems


def test_seed_phrase_matches_text_features():
    seed_term = features("حماية البيانات الشخصية")
    assert seed_term == features("ولحماية بياناتهم الشخصية")[:1] + features("بيانات شخصية")


def test_light_stemmer_keeps_stem_letters_that_look_like_affixes():
    assert [light_stem(word) for word in ("كتاب", "وزير", "تعاون", "قانون", "فلسطين", "الكتروني")] == [
        "كتاب",
        "وزير",
        "تعاون",
        "قانون",
        "فلسطين",
        "الكتروني",
    ]


def test_light_stemmer_keeps_nisba_apart_from_its_noun():
    assert features("الدولي") != features("الدول")
    assert features("العملية") != features("العمل")


def test_stop_words_are_removed_in_any_folding():
    assert features("على في وفي إلى الى التي لكن ذلك") == []
    assert features("على إلى", stopwords=False) == ["علي", "الي"]


def test_domain_stop_words_match_words_and_stems():
    text = "الفقرة الفقرات بالفقرة تموز سبتمبر التعاون"
    assert features(text) == ["فقر", "فقر", "فقر", "تموز", "سبتمبر", "تعاون"]
    assert features(text, domain_stopwords=DOMAIN) == ["تعاون"]


def test_unreadable_domain_list_is_a_config_error(tmp_path: Path):
    with pytest.raises(ConfigError, match="stop word list"):
        features("التعاون", domain_stopwords=tmp_path / "missing.txt")


@pytest.mark.parametrize("name", ["snowball", "arlstem2", "light"])
def test_each_stemmer_runs_and_strips_the_article(name):
    stems = features("المعلومات والتعاون", stemmer=name)
    assert len(stems) == 2 and not any(stem.startswith("ال") for stem in stems)


def test_unknown_stemmer_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown stemmer"):
        make_stemmer("porter")


def _seed_paragraph_features(seed_text: str, tokeniser: FeatureTokeniser) -> list[list[str]]:
    from pipeline.stages.repair.pdf_artefacts import PdfArtefactRepair

    repaired = PdfArtefactRepair().fit(seed_text).repair(seed_text)
    return [tokeniser.features(NORMALISER.normalise(line)) for line in repaired.splitlines() if line.strip()]


def test_phrases_learned_on_seed(seed_text):
    tokeniser = FeatureTokeniser(domain_stopwords=DOMAIN)
    paragraphs = _seed_paragraph_features(seed_text, tokeniser)
    terms = tokeniser.fit_phrases(paragraphs).phrase_terms()
    assert {"مجتمع_مدني", "اصحاب_مصلح", "ادار_انترنت"} <= set(terms)
    assert "ادار_انترنت" in tokeniser.transform(features("إدارة الإنترنت"))


def test_phrases_are_deterministic_and_order_independent(seed_text):
    first = FeatureTokeniser()
    paragraphs = _seed_paragraph_features(seed_text, first)
    terms = first.fit_phrases(paragraphs).phrase_terms()
    again = FeatureTokeniser().fit_phrases(iter(reversed(paragraphs))).phrase_terms()
    assert terms == again and terms
    assert [first.transform(p) for p in paragraphs] == [first.transform(p) for p in paragraphs]


def test_saved_phrases_join_as_gensims_frozen_phrases(seed_text):
    """A re-run applies saved phrases without gensim: the same tokens as gensim's FrozenPhrases, on
    the bundled report and on made-up sequences (runs of phrase parts, empty tokens)."""
    fitted = FeatureTokeniser()
    paragraphs = _seed_paragraph_features(seed_text, fitted)
    fitted.fit_phrases(paragraphs)
    saved = FeatureTokeniser().use_phrases(fitted.phrase_model())
    assert "gensim" not in type(saved._phraser).__module__
    assert saved.phrase_terms() == fitted.phrase_terms()
    parts = sorted({w for term in fitted.phrase_terms() for w in term.split("_")})[:12]
    made = [[parts[(i * 7 + j * 3) % len(parts)] for j in range(i % 9)] for i in range(200)]
    made += [["", parts[0]], [parts[0], "", parts[1]], ["مجتمع", "مدني", "مدني"], []]
    for tokens in [*paragraphs, *made]:
        assert saved.transform(tokens) == fitted.transform(tokens), tokens


def test_transform_is_identity_without_phrases():
    data = [["مجتمع", "مدني"]] * 10
    assert FeatureTokeniser().transform(["مجتمع", "مدني"]) == ["مجتمع", "مدني"]
    off = FeatureTokeniser(phrases=False).fit_phrases(data)
    assert off.transform(["مجتمع", "مدني"]) == ["مجتمع", "مدني"] and off.phrase_terms() == []


def test_the_tokeniser_reads_spacys_stop_words_without_importing_spacy_and_folds_the_lexicon_in_one_call() -> None:
    """Both load in every process that stems (each worker): spaCy's list is read as data, the lexicon
    folded in one call; each must give what the slow way gives."""
    import wordfreq
    from spacy.lang.ar.stop_words import STOP_WORDS

    from pipeline.stages import tokenise
    from pipeline.text.arabic import fold, fold_variants

    assert tokenise.spacy_stopwords() == {v for word in STOP_WORDS for v in fold_variants(word)}
    slow: dict[str, float] = {}
    for word, frequency in wordfreq.get_frequency_dict("ar").items():
        key = fold(word, alef=True, alef_maksura=True)
        slow[key] = slow.get(key, 0.0) + frequency
    fast = tokenise._lexicon()
    assert fast == slow and list(fast) == list(slow)  # the same keys, values and order
