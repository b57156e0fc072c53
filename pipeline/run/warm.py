"""Load what the corpus-level stages will need in this process while the workers compute the documents.

With worker processes, the client process mostly waits during the per-document pass, and then runs
the corpus-level stages alone, on one core.  Their first steps load things that do not depend on the
corpus: the tokeniser's stop words and stemmer lexicon (the first ``featurize`` call: a theme's seed
terms, an actor's aliases), scikit-learn, gensim's dictionary and coherence modules, matplotlib's
figure and font modules, the sentence encoder's 65 MB table.  :class:`WarmUp` does that in a thread
while the workers run, so it is off the serial path; it only fills process-wide caches (imports,
``functools`` caches, the per-document stages' own lazily built tables), each of which returns what
loading it later would, so the results do not change.  A failure here is ignored: the stage that
needs the thing loads it again and reports the error itself.
"""

from __future__ import annotations

import contextlib
import importlib
import threading
from typing import Any

from pipeline.logs import LOGGER

# Imported inside the corpus stages' functions (themes discovery, LDA and coherence, the report's figures).
MODULES = (
    "scipy.sparse",
    "sklearn.cluster",
    "sklearn.decomposition",
    "sklearn.feature_extraction.text",
    "sklearn.preprocessing",
    "gensim.corpora",
    "gensim.models.coherencemodel",
    "matplotlib.figure",
    "matplotlib.font_manager",
    "matplotlib.textpath",
    "jinja2",
)
SAMPLE = "التنمية المستدامة في الدول العربية"  # any Arabic text: the first featurize call loads the tables


class WarmUp:
    """A thread that loads the corpus stages' process-wide resources (see the module docstring);
    :meth:`join` waits for it, and must be called before the corpus stages run."""

    def __init__(self, processor: Any, stages: list[Any]) -> None:
        self.processor, self.stages = processor, stages
        self.thread = threading.Thread(target=self._run, name="pipeline-warm-up", daemon=True)

    def start(self) -> WarmUp:
        self.thread.start()
        return self

    def join(self) -> None:
        self.thread.join()

    def _run(self) -> None:
        try:
            self.processor.featurize(SAMPLE)  # repair, normalise and the tokeniser's lexicon and stop words
            for name in MODULES:
                with contextlib.suppress(ImportError):
                    importlib.import_module(name)
            for spec in self.stages:
                warm = getattr(spec.cls, "warm_up", None)
                if warm is not None:
                    warm(spec.build())
        except Exception as exc:  # the stage that needs it loads it again and reports the error
            LOGGER.debug(f"warm-up: {type(exc).__name__}: {exc}")
