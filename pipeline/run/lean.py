"""Less resident memory in the pipeline process: scikit-learn without pandas, the sentence encoder let
go before the report, freed heap pages handed back after each corpus stage.

``import sklearn`` imports ``sklearn.utils.fixes``, which imports scipy.stats and, when it is
installed, pandas (and through it pyarrow) -- only to keep a module-level name that scikit-learn
itself never uses (``fixes.pd``; scikit-learn 1.9.1).  The pipeline hands scikit-learn numpy arrays and
scipy matrices, never a DataFrame, so pandas is dead weight there: measured in a fresh process after
numpy and scipy.sparse, ``import sklearn`` adds 119 MB of RSS with pandas and 56 MB without it.

:func:`skip_pandas_in_sklearn` installs an import finder that refuses ``pandas`` to that one module
while it is being imported (``fixes`` catches the ImportError and sets ``pd = None``, as on a machine
without pandas).  Any other import of pandas -- by a notebook, scikit-learn
when it meets a DataFrame -- goes through unchanged, in every thread: the finder looks at the frames
of the importing thread only.  Results do not change (the same functions run on the same arrays).
"""

from __future__ import annotations

import sys
from typing import Any

BLOCKED = "pandas"
IMPORTER = "sklearn.utils.fixes"


class _SkipPandasInSklearn:
    """A ``sys.meta_path`` finder: ``import pandas`` fails inside the import of :data:`IMPORTER` only."""

    @staticmethod
    def find_spec(name: str, path: Any = None, target: Any = None) -> None:
        if name != BLOCKED:
            return None
        frame = sys._getframe(1)
        while frame is not None:
            if frame.f_globals.get("__name__") == IMPORTER:
                raise ImportError(f"{BLOCKED} is not imported for {IMPORTER} (pipeline.run.lean)")
            frame = frame.f_back
        return None  # not ours to find: the next finder imports it


def skip_pandas_in_sklearn() -> None:
    """Install the finder once per process (a no-op when scikit-learn is already imported)."""
    if IMPORTER in sys.modules or any(isinstance(f, _SkipPandasInSklearn) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _SkipPandasInSklearn())


def release_encoder() -> None:
    """The sentence encoder's table and weights (about 100 MB) are let go (:func:`pipeline.text.encoder.release`)."""
    from pipeline.text.encoder import release

    release()


def give_back_memory() -> None:
    """After a corpus stage: collect its garbage and hand the heap's free pages back to the system
    (glibc's ``malloc_trim``; elsewhere only the collection).  A stage's transient arrays and objects
    are freed when it ends, but freed heap memory stays resident until trimmed, and the next stage
    (the report's figures) then adds to it; nothing the stages compute changes."""
    import ctypes
    import ctypes.util
    import gc

    gc.collect()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass
