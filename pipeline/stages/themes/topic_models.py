"""Topic-model theme scorers (gensim LDA, guided NMF), blended with the seed evidence.

* :func:`lda_scores` -- baseline: unseeded gensim LDA, topics mapped to themes afterwards.
* :func:`seeded_lda_scores` -- gensim LDA whose ``eta`` prior boosts each theme's seed features
  in that theme's topic (the keyword-assisted topic model idea), plus unseeded extra topics.
* :func:`guided_nmf_scores` -- NMF on TF-IDF whose theme rows are pulled toward the seed terms
  by a penalty (guided NMF), plus free extra rows.

A one-document corpus is far too small for a topic model to stand on its own, hence the blend.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.stages.themes.scoring import ThemeInput, evidence, parts, seed_counts

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
