"""Text-path throughput: this project's repair + normalise + tokenise against camel-tools and a regex floor.

Three inputs, each in one process, each document processed on its own:

* ``clean``: ANT news sample texts (cycled) up to ``--mb`` MB: the common case;
* ``damaged report``: the bundled report (damaged PDF text: visual-order lines, ѧ kashida glyphs,
  «ی» and «آ» for initial yeh and kaf) repeated up to ``--mb`` MB, each copy a document -- the
  measure of issue 18;
* ``damaged news``: news articles (not repeated: every line is new) damaged by the bundled
  report's glyph rules (``pipeline.evaluate.repair.simulate_damage``), up to ``--damaged-news-mb``.

Chains:

  (a) the camel-tools reference chain: normalize_unicode + arclean + dediac_ar + simple_word_tokenize,
      with the ``arclean`` character map built once (a fair chain: rebuilding it for every document,
      as ``camel_reference`` did before issue 18, cost it about 20%);
  (b) this project: PdfArtefactRepair (fit + repair) + CamelNormaliser.normalise + FeatureTokeniser.words
      (more work than (a): PDF repair and letter folding, same tokens on the same normalised text);
  (c) the floor: re.findall over runs of Arabic letters.

Each is run ``--repeats`` times over the documents one by one (nothing but counts is kept, so the
corpus is held once); the median MB/s (UTF-8 bytes of input per CPU second; wall-clock MB/s is
printed beside it) is reported with the ratios b/a (target >= 5 on the damaged report, >= 10 on
clean text) and b/c.  Repair's caches that outlive a document (lines and words, see
``pdf_artefacts.clear_caches``) are emptied before every timed run, so a repeat never reads what
an earlier repeat left; inside a run the damaged report's copies do share them (that is the
repetition this input measures).  Repair alone is timed the same way.  Peak RSS is printed so
that runs with a larger ``--mb`` show memory does not grow with the input beyond the input itself.

Usage: ``python bench/bench_text.py [--mb 10] [--damaged-news-mb 2] [--repeats 3] [--inputs clean,report,news]``
(``make bench``).
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.evaluate.repair import simulate_damage  # noqa: E402
from pipeline.stages.normalise import CamelNormaliser, camel_reference  # noqa: E402
from pipeline.stages.repair import pdf_artefacts  # noqa: E402
from pipeline.stages.repair.pdf_artefacts import PdfArtefactRepair  # noqa: E402
from pipeline.stages.tokenise import FeatureTokeniser, camel_words  # noqa: E402

SEED = ROOT / "corpora" / "un-igov-ar" / "A-66-77_E-2011-103_ar.txt"
NEWS = ROOT.parent / "shared" / "data" / "news-ant" / "news_ant_v2.1_multisource_sample.jsonl"
ARABIC_RUN = re.compile("[\u0621-\u064a]+")


def news_texts() -> list[str]:
    if not NEWS.exists():
        sys.exit(f"bench_text: {NEWS} is missing (the news-ant sample in ../shared/data)")
    with NEWS.open(encoding="utf-8") as lines:
        return [json.loads(line)["text"] for line in lines]


def up_to(texts: list[str], megabytes: float) -> list[str]:
    """``texts`` in order (cycled) until their UTF-8 size reaches ``megabytes``."""
    docs, size = [], 0
    while size < megabytes * 1e6:
        for text in texts:
            docs.append(text)
            size += len(text.encode())
            if size >= megabytes * 1e6:
                break
    return docs


def build_inputs(megabytes: float, damaged_news_mb: float) -> dict[str, list[str]]:
    news = news_texts()
    seed = SEED.read_text(encoding="utf-8")
    damaged_news, size = [], 0
    for number, text in enumerate(news):  # each article damaged with its own random seed
        damaged_news.append(simulate_damage(text, seed=number))
        size += len(damaged_news[-1].encode())
        if size >= damaged_news_mb * 1e6:
            break
    return {
        "clean (news)": up_to(news, megabytes),
        "damaged report (repeated)": up_to([seed], megabytes),
        "damaged news (simulated)": damaged_news,
    }


def camel_chain(doc: str) -> int:
    """The camel-tools chain (``camel_reference`` builds its ``arclean`` map once per process)."""
    return len(camel_words(camel_reference(doc)))


def floor(doc: str) -> int:
    return len(ARABIC_RUN.findall(doc))


def make_project_chain() -> tuple[Callable[[str], int], Callable[[str], str]]:
    """(the whole chain, repair alone), each on one document."""
    repair, normaliser, tokeniser = PdfArtefactRepair(), CamelNormaliser(), FeatureTokeniser()

    def chain(doc: str) -> int:
        return len(tokeniser.words(normaliser.normalise(repair.fit(doc).repair(doc))))

    return chain, lambda doc: repair.fit(doc).repair(doc)


def time_runs(func: Callable[[str], object], docs: list[str], repeats: int) -> tuple[list[float], list[float]]:
    """(CPU seconds, wall seconds) of each run.  CPU time is the headline: on a shared machine
    (CI, helpers running tests) wall time swings by 2x between runs, CPU time by a few percent."""
    for doc in docs[:20]:  # warm up: lexicons, models, compiled tables
        func(doc)
    cpu, wall = [], []
    for _ in range(repeats):
        pdf_artefacts.clear_caches()  # no repeat reads the lines and words an earlier one repaired
        started, started_cpu = time.perf_counter(), time.process_time()
        for doc in docs:
            func(doc)
        cpu.append(time.process_time() - started_cpu)
        wall.append(time.perf_counter() - started)
    return cpu, wall


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=10.0, help="clean and damaged-report input size in MB (10)")
    parser.add_argument("--damaged-news-mb", type=float, default=2.0, help="damaged news input size in MB (2)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per chain (median reported)")
    parser.add_argument(
        "--inputs", default="clean,report,news", help="which inputs, comma-separated: clean, report, news (all)"
    )
    args = parser.parse_args()

    chosen = {name.strip() for name in args.inputs.split(",")}
    inputs = {
        name: docs
        for name, docs in build_inputs(args.mb, args.damaged_news_mb).items()
        if name.split()[0] in chosen or (name.startswith("damaged") and name.split()[1] in chosen)
    }
    project, repair = make_project_chain()
    for docs in inputs.values():  # load the lexicon, the models and the tables before any timing
        project(docs[0])
    targets = {"clean (news)": 10.0, "damaged report (repeated)": 5.0}
    summary = []
    for name, docs in inputs.items():
        megabytes = sum(len(doc.encode()) for doc in docs) / 1e6
        print(f"\n== {name}: {megabytes:.2f} MB in {len(docs)} documents; peak RSS {peak_rss_mb():.0f} MB")
        rates = {}
        for label, func in (
            ("(a) camel-tools chain (fair)", camel_chain),
            ("(b) repair+normalise+tokenise", project),
            ("(c) re.findall floor", floor),
            ("    repair alone (fit + repair)", repair),
        ):
            cpu, wall = time_runs(func, docs, args.repeats)
            rates[label.strip()[:3]] = rate = megabytes / statistics.median(cpu)
            spread = ", ".join(f"{megabytes / t:.2f}" for t in cpu)
            print(
                f"{label:32s} {rate:7.2f} MB/s CPU  (runs: {spread}; wall median "
                f"{megabytes / statistics.median(wall):.2f} MB/s)"
            )
        ratio = rates["(b)"] / rates["(a)"]
        target = f" (target >= {targets[name]:g})" if name in targets else ""
        print(f"b/a = {ratio:.2f}x{target}   b/c = {rates['(b)'] / rates['(c)']:.2f}")
        summary.append(f"{name:28s} b/a = {ratio:6.2f}x{target}")
    print("\nsummary:")
    for line in summary:
        print(f"  {line}")
    print(f"peak RSS {peak_rss_mb():.0f} MB (inputs held once; outputs are counted and dropped per document)")


if __name__ == "__main__":
    main()
