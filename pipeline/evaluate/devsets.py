"""Blind-labelled development sets kept as references into ``../shared/data``.

The source texts may not be copied into the project, so each gold row names its source file and the
character span of its paragraph; :func:`load_theme_devset` reads the text back and checks it against the
stored hash.  Labelling conventions: ``tests/fixtures/dev/THEMES_CONVENTIONS.md``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures"
DEFAULT_SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


def shared_data(path: Path | None = None) -> Path | None:
    """The shared data folder (``../shared/data`` beside the project), or None when it is absent."""
    found = path or DEFAULT_SHARED
    return found if found.is_dir() else None


def _news_texts(path: Path, wanted: set[str]) -> dict[str, str]:
    out = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            article = json.loads(line)
            if article["id"] in wanted:
                out[article["id"]] = article["text"]
    return out


def load_theme_devset(
    split: Literal["dev", "heldout", "heldout2", "heldout3", "heldout4"], shared: Path | None = None
) -> list[dict[str, Any]]:
    """Rows of the theme development set with their ``text``: dicts with ``id``, ``doc``, ``doc_type``
    (``policy`` | ``news``), ``text``, ``themes`` (gold ids, possibly empty), ``note``.

    Raises FileNotFoundError when the shared data is absent and ValueError when a span no longer
    holds the labelled paragraph (the source changed).
    """
    root = shared_data(shared)
    if root is None:
        raise FileNotFoundError(f"shared data not found at {shared or DEFAULT_SHARED}")
    refs = [json.loads(line) for line in (FIXTURES / "dev" / f"themes_{split}_refs.jsonl").open(encoding="utf-8")]
    news_file = {r["source"] for r in refs if "article" in r}
    news = _news_texts(root / news_file.pop(), {r["article"] for r in refs if "article" in r}) if news_file else {}
    files: dict[str, str] = {}
    rows = []
    for ref in refs:
        if "article" in ref:
            body = news[ref["article"]]
        else:
            body = files.setdefault(ref["source"], (root / ref["source"]).read_text(encoding="utf-8"))
        text = body[ref["start"] : ref["end"]]
        if hashlib.sha1(text.encode()).hexdigest()[:12] != ref["sha1"]:
            raise ValueError(f"{ref['source']}: span of {ref['id']} does not hold the labelled paragraph")
        rows.append({**{k: ref[k] for k in ("id", "doc", "doc_type", "themes", "note")}, "text": text})
    return rows
