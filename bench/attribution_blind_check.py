"""Check stakeholder attribution against the blind gold standard.

The gold (``tests/fixtures/seed_statements_blind.jsonl``) was written by reading the
repaired paragraph / summary texts of the seed A/66/77 (and the raw text where the PDF
damage is too heavy) *without* looking at ``pipeline/stakeholders.py``,
``configs/stakeholders.yaml``, ``tests/fixtures/seed_statements_gold.jsonl`` or any
``statements.jsonl``.  One row per reported statement: ``unit_id``, ``cue`` (surface
form, repaired spelling), ``speaker`` (governments | intergovernmental | civil_society |
private_sector | technical_community | unspecified), ``subject``, ``note``, plus

* ``layer``: ``consultation`` (a contributor's view reported by the consultation
  summary) or ``background`` (a UN organ / outcome document / Secretariat speaking:
  ECOSOC or GA resolutions, the Tunis Agenda, the Secretary-General's requests);
* ``uncertain``: true when the annotator was not sure of the speaker or of whether the
  cue is a reported statement at all;
* ``alt_speakers`` (optional): other defensible speakers (used for a lenient score).

This script

1. runs the pipeline with ``configs/default.yaml`` into a temporary folder (or reads
   the output folder given as argument) and loads ``statements.jsonl``;
2. aligns tool statements to gold ones: same ``unit_id`` and same cue after a simple
   normalisation (strip one و/ف prefix, fold أإآ→ا, ى→ي, ة→ه, drop diacritics and
   tatweel); several with the same cue in one unit are paired by order.  Cues still
   unpaired are then paired on their first word («أعرب عن الرأي» ~ «وأعرب»), again by
   order, and counted as ``first-word`` matches;
3. prints gold statements, tool statements, matched, attribution precision (share of
   matched tool statements whose speaker equals the gold speaker), the same restricted
   to named groups (tool speaker != unspecified), recall (matched / gold), and lists every
   disagreement and every unmatched gold and tool statement; the headline numbers are
   repeated for the consultation layer only and for confident gold rows only;
4. compares the blind gold with ``tests/fixtures/seed_statements_gold.jsonl`` (the rules
   author's sample) with the same alignment and lists where the two disagree.

Usage::

    .venv/bin/python bench/attribution_blind_check.py            # run the pipeline
    .venv/bin/python bench/attribution_blind_check.py OUTDIR     # use OUTDIR/statements.jsonl
    .venv/bin/python bench/attribution_blind_check.py --split dev [OUTDIR]

``--split dev`` keeps only the gold rows of the dev split of ``tests/fixtures/seed_stance_blind.jsonl``
(same rows, same order) and the tool statements of the units those rows are in: what one may look at
while changing the rules.  ``--split heldout``: once, at the end.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BLIND = ROOT / "tests" / "fixtures" / "seed_statements_blind.jsonl"
AUTHOR = ROOT / "tests" / "fixtures" / "seed_statements_gold.jsonl"
STANCE = ROOT / "tests" / "fixtures" / "seed_stance_blind.jsonl"
DEFAULT = ROOT / "configs" / "default.yaml"
UNSPEC = "unspecified"

sys.path.insert(0, str(ROOT))
from pipeline.evaluate.stakeholders import align, attribution_scores, norm_cue  # noqa: E402


def short(unit_id: str) -> str:
    return unit_id.rsplit("/", 1)[-1]


def unit_order(unit_id: str) -> tuple:
    u = short(unit_id)
    m = re.match(r"([a-z]+)(\d+)", u)
    kind = {"s": 0, "p": 1}.get(m.group(1), 2) if m else 3
    return (kind, int(m.group(2)) if m else 0, u)


def load_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


# ------------------------------------------------------------------ running the tool
def _abs_options(node, base: Path):
    """Make relative file options (actors, positions, taxonomy ...) absolute."""
    if isinstance(node, dict):
        return {k: _abs_options(v, base) for k, v in node.items()}
    if isinstance(node, list):
        return [_abs_options(v, base) for v in node]
    if isinstance(node, str) and not Path(node).is_absolute() and re.search(r"\.(ya?ml|txt|json|tsv|csv)$", node):
        cand = (base / node).resolve()
        if cand.exists():
            return str(cand)
    return node


def run_pipeline(folder: Path) -> Path:
    data = yaml.safe_load(DEFAULT.read_text(encoding="utf-8"))
    base = DEFAULT.parent
    data["corpus"] = str((base / data["corpus"]).resolve())
    data["output"] = str(folder / "out")
    data["stages"] = _abs_options(data["stages"], base)
    data["stages"].pop("report", None)  # not needed for statements
    cfg = folder / "blind_check.yaml"
    cfg.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", "run", "--config", str(cfg), "-q"], cwd=ROOT, capture_output=True, text=True
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"pipeline run failed ({proc.returncode})")
    return folder / "out"


def pct(a: int, b: int) -> str:
    return f"{a}/{b} = {a / b:.3f}" if b else f"{a}/0 = n/a"


def scores(gold, tool, pairs, label):
    n_match = len(pairs)
    correct = sum(g["speaker"] == t["speaker"] for g, t, _ in pairs)
    lenient = sum(t["speaker"] == g["speaker"] or t["speaker"] in g.get("alt_speakers", []) for g, t, _ in pairs)
    named = [(g, t) for g, t, _ in pairs if t["speaker"] != UNSPEC]
    named_ok = sum(g["speaker"] == t["speaker"] for g, t in named)
    gold_named = [g for g, t, _ in pairs if g["speaker"] != UNSPEC]
    gold_named_ok = sum(g["speaker"] == t["speaker"] for g, t, _ in pairs if g["speaker"] != UNSPEC)
    print(f"== {label}")
    print(f"  gold statements:  {len(gold)}")
    print(f"  tool statements:  {len(tool)}")
    print(
        f"  matched:          {n_match}  (exact cue {sum(h == 'exact' for *_, h in pairs)}, first-word {sum(h == 'first-word' for *_, h in pairs)})"
    )
    print(f"  attribution precision (matched, speaker == gold):        {pct(correct, n_match)}")
    print(f"  ... lenient (gold speaker or an alt_speaker):            {pct(lenient, n_match)}")
    print(f"  precision, named groups only (tool speaker != unspec.): {pct(named_ok, len(named))}")
    print(f"  named-group recall (gold named, matched, tool agrees):   {pct(gold_named_ok, len(gold_named))}")
    lenient_scores = attribution_scores(gold, tool)
    print(f"  ... named precision, lenient (alt_speakers accepted):    {pct(*lenient_scores['named_lenient'])}")
    print(f"  ... named recall, lenient (alt_speakers accepted):       {pct(*lenient_scores['gold_named_lenient'])}")
    print(f"  recall (matched / gold):                                 {pct(n_match, len(gold))}")
    print(f"  correct / gold (end-to-end):                             {pct(correct, len(gold))}")
    return correct


def confusion(pairs):
    c = Counter((g["speaker"], t["speaker"]) for g, t, _ in pairs)
    groups = sorted({k for pair in c for k in pair})
    w = max(len(x) for x in groups) + 1
    print("  confusion (rows gold, columns tool):")
    print("  " + " " * w + " ".join(f"{x[:6]:>6}" for x in groups))
    for a in groups:
        print("  " + f"{a:<{w}}" + " ".join(f"{c.get((a, b), 0):>6}" for b in groups))


def split_rows(gold: list[dict], split: str) -> list[dict]:
    """The gold rows of one split of the stance labels (the same rows in the same order)."""
    splits = [json.loads(line)["split"] for line in STANCE.read_text(encoding="utf-8").splitlines() if line.strip()]
    if len(splits) != len(gold):
        raise SystemExit(f"{STANCE.name} has {len(splits)} rows, {BLIND.name} {len(gold)}: no split")
    return [g for g, s in zip(gold, splits, strict=True) if s == split]


def main(argv: list[str]) -> None:
    gold = load_jsonl(BLIND)
    split = None
    if argv[:1] == ["--split"]:
        split, argv = argv[1], argv[2:]
        gold = split_rows(gold, split)
    if argv:
        out = Path(argv[0])
        tool = load_jsonl(out / "statements.jsonl")
        print(f"tool output: {out}")
        report(gold, tool, split)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            out = run_pipeline(Path(tmp))
            tool = load_jsonl(out / "statements.jsonl")
            print("tool output: fresh run of configs/default.yaml")
            report(gold, tool, split)


def report(gold, tool, split: str | None = None):
    n_all = len(tool)
    tool = [t for t in tool if t.get("unit_id", "").split("/")[-1][:1] in ("p", "s")]
    if n_all != len(tool):
        print(f"(ignoring {n_all - len(tool)} tool statements outside paragraph / summary units)")
    if split is not None:
        units = {g["unit_id"] for g in gold}
        tool = [t for t in tool if t["unit_id"] in units]
    pairs, ug, ut = align(gold, tool)
    scores(gold, tool, pairs, f"{split} split only (tool statements of its units)" if split else "all gold rows")
    confusion(pairs)
    if split is None:
        _layers(gold, tool)
    _lists(gold, pairs, ug, ut)
    if split is None:
        _two_golds(gold)


def _layers(gold, tool):

    core_gold = [g for g in gold if g.get("layer") == "consultation"]
    p2, _, _ = align(core_gold, tool)
    scores(core_gold, tool, p2, "consultation layer only (contributors' views; tool count unchanged)")
    conf_gold = [g for g in gold if not g.get("uncertain")]
    p3, _, _ = align(conf_gold, tool)
    scores(conf_gold, tool, p3, "confident gold rows only (uncertain dropped; tool count unchanged)")
    # the dev / heldout split of the stance labels (same rows, same order): tune on dev only
    splits = [json.loads(line)["split"] for line in STANCE.read_text(encoding="utf-8").splitlines() if line.strip()]
    if len(splits) == len(gold):
        for split in ("dev", "heldout"):
            part = [g for g, s in zip(gold, splits, strict=True) if s == split]
            p4, _, _ = align(part, tool)
            scores(part, tool, p4, f"{split} split only (tests/fixtures/seed_stance_blind.jsonl; tool count unchanged)")


def _lists(gold, pairs, ug, ut):
    key = lambda r: (unit_order(r["unit_id"]),)  # noqa: E731
    print("\n== disagreements (matched, speaker differs)")
    for g, t, how in sorted(pairs, key=lambda p: key(p[0])):
        if g["speaker"] != t["speaker"]:
            alt = " [alt ok]" if t["speaker"] in g.get("alt_speakers", []) else ""
            unc = " (gold uncertain)" if g.get("uncertain") else ""
            print(
                f"  {short(g['unit_id']):>4} {g['cue']:<14} gold={g['speaker']:<19} tool={t['speaker']:<19}"
                f"{alt}{unc} | gold subject: {g.get('subject', '')} | tool subject: {t.get('subject', '')!r}"
                f" ({t.get('attribution', '')}) | {how}"
            )
    print("\n== unmatched gold statements (the tool has no statement with this cue here)")
    for g in sorted(ug, key=key):
        print(
            f"  {short(g['unit_id']):>4} {g['cue']:<14} {g['speaker']:<19} {g.get('layer', ''):<12}"
            f"{'uncertain ' if g.get('uncertain') else ''}| {g.get('subject', '')}"
        )
    print("\n== unmatched tool statements (no gold statement with this cue here)")
    matched_gold = {(g["unit_id"], norm_cue(g["cue"])): g for g, _, _ in pairs}
    n_split = 0
    for t in sorted(ut, key=key):
        g = matched_gold.get((t["unit_id"], norm_cue(t.get("cue", ""))))
        tag = ""
        if g is not None and t["speaker"] in g.get("alt_speakers", []):
            tag = " [another speaker of a mixed-subject gold row: gold lists it in alt_speakers]"
            n_split += 1
        print(
            f"  {short(t['unit_id']):>4} {t.get('cue', ''):<14} {t['speaker']:<19} subject={t.get('subject', '')!r}"
            f" ({t.get('attribution', '')}){tag} | {t.get('text', '')[:70]}"
        )
    print(
        f"  ({len(ut)} unmatched tool statements, {n_split} of them split a mixed-subject clause the gold keeps as one row)"
    )


def _two_golds(gold):
    key = lambda r: (unit_order(r["unit_id"]),)  # noqa: E731
    if AUTHOR.exists():
        author = load_jsonl(AUTHOR)
        ap, aug, aut = align(gold, author)
        same = sum(g["speaker"] == a["speaker"] for g, a, _ in ap)
        print(f"\n== blind gold vs rules author's gold ({AUTHOR.name})")
        print(
            f"  blind rows {len(gold)}, author rows {len(author)}, aligned {len(ap)}, same speaker {pct(same, len(ap))}"
        )
        print("  speaker disagreements:")
        for g, a, _how in sorted(ap, key=lambda p: key(p[0])):
            if g["speaker"] != a["speaker"]:
                print(
                    f"    {short(g['unit_id']):>4} {g['cue']:<14} blind={g['speaker']:<19} author={a['speaker']:<19}"
                    f"| blind note: {g.get('note', '')} | author note: {a.get('note', '')}"
                )
        print("  in the author's gold only:")
        for a in sorted(aut, key=key):
            print(f"    {short(a['unit_id']):>4} {a['cue']:<14} {a['speaker']:<19}| {a.get('note', '')}")
        covered = {g["unit_id"] for g in author}
        inside = [g for g in aug if g["unit_id"] in covered]
        print(
            f"  in the blind gold only, within units the author annotated ({len(inside)}; "
            f"{len(aug) - len(inside)} more are in units absent from the author's sample):"
        )
        for g in sorted(inside, key=key):
            print(f"    {short(g['unit_id']):>4} {g['cue']:<14} {g['speaker']:<19}| {g.get('note', '')}")


if __name__ == "__main__":
    main(sys.argv[1:])
