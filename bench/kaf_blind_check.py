"""Check the repair stage's kaf / alef-madda decision against the blind gold.

The gold (``tests/fixtures/seed_kaf_blind.tsv``) was written by reading the raw seed
A/66/77 without looking at ``pipeline/repair.py`` or its fixture: one row per
*occurrence* of a word form containing «آ» (columns line, damaged, correct, context,
note), damaged forms with ѧ removed and ی read as ي.

This script

1. runs ``pipeline.stages.repair.pdf_artefacts.repair_text`` on the whole seed (the tool keeps the number
   of lines);
2. aligns every gold occurrence to the repaired text: the raw line and the repaired
   line are compared character by character (spaces dropped, so words the tool
   splits or joins still align; ѧ / tatweel removed, ی = ي, and آ = ك for matching)
   and each «آ» of the damaged token is followed to its character in the repaired
   line; the repaired token containing that character is the tool's output.  An «آ»
   falling outside a matching block is reported as unaligned;
3. prints occurrence counts, kaf-decision precision / recall (positive class: an «آ»
   that should become «ك»; TP = the tool wrote «ك» where gold says «ك»), genuine
   alef-madda kept, and every disagreement;
4. compares the blind gold with ``tests/fixtures/seed_repairs.tsv`` per word form.

Usage: ``.venv/bin/python bench/kaf_blind_check.py``
"""

from __future__ import annotations

import csv
import difflib
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.stages.repair.pdf_artefacts import repair_text  # noqa: E402

SEED = ROOT / "corpora" / "un-igov-ar" / "A-66-77_E-2011-103_ar.txt"
GOLD = ROOT / "tests" / "fixtures" / "seed_kaf_blind.tsv"
OTHER = ROOT / "tests" / "fixtures" / "seed_repairs.tsv"

MADDA, KAF = "\u0622", "\u0643"
TOKEN = re.compile(r"[\u0621-\u063A\u0641-\u0652\u0670\u06CC]+")  # letters + harakat, no punctuation/tatweel


def read_form(text: str) -> str:
    """Raw text as the gold reads it: kashida glyph and tatweel removed, Farsi yeh = yeh."""
    return text.replace("\u0467", "").replace("\u0640", "").replace("\u06cc", "\u064a")


def match_key(ch: str) -> str:
    """Character identity used for alignment (the kaf decision itself must not break it)."""
    ch = read_form(ch)
    return KAF if ch == MADDA else ch


def skeleton(line: str) -> tuple[str, list[int]]:
    """Alignment string of ``line`` (no spaces, normalised) and the index of each char in ``line``."""
    chars, index = [], []
    for i, ch in enumerate(line):
        if ch.isspace() or ch in "\u0467\u0640":
            continue
        chars.append(match_key(ch))
        index.append(i)
    return "".join(chars), index


def tokens_with_spans(line: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in TOKEN.finditer(line)]


def token_at(line: str, pos: int) -> str:
    """The token of ``line`` covering character ``pos`` (or the nearest one)."""
    spans = tokens_with_spans(line)
    if not spans:
        return ""
    for start, end, tok in spans:
        if start <= pos < end:
            return tok
    return min(spans, key=lambda s: min(abs(s[0] - pos), abs(s[1] - 1 - pos)))[2]


def load_gold(path: Path = GOLD) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def align(raw_lines: list[str], rep_lines: list[str], gold: list[dict[str, str]]) -> list[dict]:
    """One record per «آ» character of every gold occurrence."""
    seen: dict[tuple[int, str], int] = defaultdict(int)
    cache: dict[int, tuple] = {}
    records = []
    for row in gold:
        n, damaged, correct = int(row["line"]), row["damaged"], row["correct"]
        k = seen[(n, damaged)]  # k-th occurrence of this form on this line
        seen[(n, damaged)] += 1
        raw = read_form(raw_lines[n - 1])
        rep = rep_lines[n - 1]
        hits = [t for t in tokens_with_spans(raw) if t[2] == damaged]
        base = {"line": n, "damaged": damaged, "gold": correct, "note": row.get("note") or ""}
        if k >= len(hits) or len(damaged) != len(correct):
            records.append(
                {
                    **base,
                    "gold_kaf": None,
                    "tool_char": None,
                    "tool_token": "",
                    "aligned": False,
                    "why": "gold row not found in raw line",
                }
            )
            continue
        start = hits[k][0]
        if n not in cache:
            a, ai = skeleton(raw)
            b, bi = skeleton(rep)
            sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
            pos_a = {orig: i for i, orig in enumerate(ai)}
            cache[n] = (sm.get_opcodes(), pos_a, bi)
        opcodes, pos_a, bi = cache[n]
        for off, ch in enumerate(damaged):
            if ch != MADDA:
                continue
            rec = {
                **base,
                "gold_kaf": correct[off] == KAF,
                "aligned": False,
                "tool_char": None,
                "tool_token": "",
                "why": "",
            }
            ia = pos_a[start + off]
            for tag, a0, a1, b0, b1 in opcodes:
                if a0 <= ia < a1:
                    if tag == "equal":
                        jb = bi[b0 + ia - a0]
                        rec.update(aligned=True, tool_char=rep[jb], tool_token=token_at(rep, jb))
                    else:
                        # nearest token derived from the same position, for the report only
                        jb = bi[min(b0 + ia - a0, len(bi) - 1)] if bi and b1 > b0 else (bi[b0] if b0 < len(bi) else 0)
                        rec.update(tool_token=token_at(rep, jb), why=f"in '{tag}' block")
                    break
            records.append(rec)
    return records


def other_gold(path: Path = OTHER) -> dict[str, set[str]]:
    """seed_repairs.tsv kaf / alef_madda rows: normalised damaged form -> set of corrections."""
    out: dict[str, set[str]] = defaultdict(set)
    with path.open(encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    for row in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE):
        if row["kind"] not in ("kaf", "alef_madda") and MADDA not in row["damaged"]:
            continue
        if row["kind"] == "lam_alef":
            continue
        dam = "".join(TOKEN.findall(read_form(row["damaged"])))
        cor = "".join(TOKEN.findall(read_form(row["correct"])))
        out[dam].add(cor)
    return out


def kashida_check(raw_lines: list[str], gold: list[dict[str, str]]) -> tuple[int, list[tuple[int, str]]]:
    """«آ» directly followed by ѧ in the raw seed joins the next letter, so it cannot be an alef-madda.

    Returns the number of such «آ» and the gold rows on those lines that nevertheless keep «آ».
    """
    count, bad = 0, []
    for n, line in enumerate(raw_lines, 1):
        for word in re.findall(r"\S*\u0622\u0467\S*", line):
            count += word.count("\u0622\u0467")
            form = "".join(TOKEN.findall(read_form(word)))
            for g in gold:
                if int(g["line"]) == n and g["damaged"] in form and g["damaged"] == g["correct"]:
                    bad.append((n, g["damaged"]))
    return count, bad


def prf(records: list[dict]) -> dict[str, float]:
    tp = sum(r["gold_kaf"] and r["tool_char"] == KAF for r in records)
    fp = sum((not r["gold_kaf"]) and r["tool_char"] == KAF for r in records)
    fn = sum(r["gold_kaf"] and r["tool_char"] != KAF for r in records)
    tn = sum((not r["gold_kaf"]) and r["tool_char"] != KAF for r in records)
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
    }


def main() -> None:
    raw_text = SEED.read_text(encoding="utf-8")
    repaired = repair_text(raw_text)
    raw_lines, rep_lines = raw_text.split("\n"), repaired.split("\n")
    if len(raw_lines) != len(rep_lines):
        sys.exit(f"line count changed by repair: {len(raw_lines)} -> {len(rep_lines)}")
    gold = load_gold()
    records = align(raw_lines, rep_lines, gold)
    aligned = [r for r in records if r["aligned"]]
    unaligned = [r for r in records if not r["aligned"]]
    certain = [r for r in aligned if not r["note"].startswith("uncertain")]

    print(f"gold occurrences (rows): {len(gold)}   distinct damaged forms: {len({g['damaged'] for g in gold})}")
    print(
        f"«آ» characters: {len(records)}   gold kaf: {sum(bool(r['gold_kaf']) for r in records)}   "
        f"gold alef-madda: {sum(r['gold_kaf'] is False for r in records)}"
    )
    print(f"aligned: {len(aligned)}   unaligned: {len(unaligned)}")
    for name, subset in (("all aligned", aligned), ("excluding 'uncertain' rows", certain)):
        s = prf(subset)
        print(
            f"kaf decision [{name}]: precision {s['precision']:.4f}  recall {s['recall']:.4f}  "
            f"(tp {s['tp']} fp {s['fp']} fn {s['fn']} tn {s['tn']})"
        )
    madda = [r for r in aligned if r["gold_kaf"] is False]
    kept = sum(r["tool_char"] == MADDA for r in madda)
    print(f"genuine alef-madda kept: {kept}/{len(madda)}")
    exact = sum(r["tool_token"] == r["gold"] for r in aligned)
    print(f"tool token == gold word (aligned «آ»): {exact}/{len(aligned)}")

    nk, bad = kashida_check(raw_lines, gold)
    print(f"raw «آ» followed by kashida (must be kaf): {nk}; gold rows keeping «آ» there: {bad or 'none'}")

    print("\nkaf-decision disagreements (line | damaged | gold | tool output):")
    dis = [r for r in aligned if (r["gold_kaf"]) != (r["tool_char"] == KAF)]
    for r in dis:
        flag = f"   [{r['note']}]" if r["note"] else ""
        print(f"  {r['line']:>4} | {r['damaged']} | {r['gold']} | {r['tool_token']} (char {r['tool_char']!r}){flag}")
    if not dis:
        print("  none")
    other_tok = [r for r in aligned if r["tool_token"] != r["gold"] and r not in dis]
    print("\nsame kaf decision but different token (split/join/other edits):")
    for r in other_tok:
        print(f"  {r['line']:>4} | {r['damaged']} | {r['gold']} | {r['tool_token']}")
    if not other_tok:
        print("  none")
    print("\nunaligned:")
    for r in unaligned:
        print(f"  {r['line']:>4} | {r['damaged']} | {r['gold']} | nearest tool token: {r['tool_token']} ({r['why']})")
    if not unaligned:
        print("  none")

    # ---- blind gold vs seed_repairs.tsv (per distinct form)
    mine: dict[str, set[str]] = defaultdict(set)
    for g in gold:
        mine[g["damaged"]].add(g["correct"])
    theirs = other_gold()
    print(f"\nblind gold vs seed_repairs.tsv: {len(mine)} blind forms, {len(theirs)} fixture forms")
    diff = [(f, mine[f], theirs[f]) for f in sorted(mine) if f in theirs and mine[f] != theirs[f]]
    for f, m, t in diff:
        print(f"  disagree: {f} | blind {sorted(m)} | fixture {sorted(t)}")
    if not diff:
        print("  no disagreement on shared forms")
    only_mine = sorted(set(mine) - set(theirs))
    only_theirs = sorted(f for f in set(theirs) - set(mine) if MADDA in f)
    print(f"  forms only in blind gold: {only_mine or 'none'}")
    print(f"  «آ» forms only in fixture: {only_theirs or 'none'}")


if __name__ == "__main__":
    main()
