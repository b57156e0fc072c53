"""scikit-learn is imported without pandas in a run (pipeline/run/lean.py); pandas itself still imports."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

SCRIPT = """
import sys
from pipeline.run.lean import skip_pandas_in_sklearn
skip_pandas_in_sklearn()
skip_pandas_in_sklearn()  # once per process
import sklearn.feature_extraction.text, sklearn.cluster, sklearn.decomposition
import sklearn.utils.fixes
assert "pandas" not in sys.modules and "pyarrow" not in sys.modules, "pandas imported"
assert sklearn.utils.fixes.pd is None
import pandas
assert pandas.DataFrame({"a": [1]}).shape == (1, 1)
print("ok")
"""


def test_sklearn_loads_without_pandas_and_pandas_still_loads() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_the_encoder_let_go_before_the_report_loads_again_with_the_same_vectors() -> None:
    import numpy as np

    from pipeline.run.lean import give_back_memory, release_encoder
    from pipeline.text.encoder import encode, sentence_encoder

    texts = ["التنمية المستدامة في الدول العربية", "Cooperation between governments"]
    first = encode(texts)
    release_encoder()
    give_back_memory()
    assert sentence_encoder.cache_info().currsize == 0
    assert np.array_equal(encode(texts), first)
