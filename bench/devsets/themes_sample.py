#!/usr/bin/env python3
"""Fixed, documented sampling of paragraphs for the blind theme dev set.

Run:  python3 bench/devsets/themes_sample.py  -> writes $TMPDIR/themes_dev/sample_raw.jsonl (248 rows, unlabelled;
                                     260 requested, arado_website has only 28)
      python3 sample.py --stats    -> also prints candidate counts per source

Procedure (see README.md for the prose version):
  * One random.Random(20261130) drives everything, used in a fixed order:
    the policy docs in the order of POLICY_QUOTAS, then the news categories in
    the order of NEWS_QUOTAS.
  * Policy docs (markdown): a "block" is a blank-line separated block.  Inside a
    block, non-prose lines are removed and split the block: markdown headings
    ('#...', and table-of-contents lines '7 ## 01/ ...'), table rows ('|...'),
    horizontal rules (---, ***, ===), metadata lines ('**URL:**', '**Type:**', '**Scraped:**', '**Total Pages:**'),
    image / link-only lines ('[Logo ...]', '![..](..)', '1. [x](#y)', bare URLs).
    Each maximal run of consecutive remaining lines is one paragraph candidate,
    so every candidate is an exact substring of the source.
    arado_website.md has no blank lines at all (a scraped web site with one
    paragraph per line), so for it each line is a block (the news rule).
  * News: a paragraph is a newline-separated line of an article's `text`.
  * Length rule on the stripped candidate: 80 <= len <= 1500 characters, else
    skipped.
  * Extra "body prose" rules (documented deviations, applied to all sources):
      - at least 50% of the letters are Arabic letters (drops English blocks of
        dff_global50_youth and similar);
      - the candidate contains at least one sentence punctuation mark
        (. , ، ؛ : ؟ ! ) or is a numbered list with >= 2 items ('1-\t..2-\t..')
        -- drops concatenated navigation menus such as
        'البرامج الإداريةتكنولوجيا المعلومات...';
      - a block of >= 2 lines that all end in a page number is a table of
        contents and is dropped;
      - a candidate shorter than 300 characters containing an e-mail address
        is a staff-directory/contact line and is dropped.
  * Candidates are de-duplicated by exact text within a doc (first occurrence
    kept; PDFs repeat running headers and the web site repeats menus).
  * Policy: rng.sample(candidates, quota) per doc (all candidates, in random
    order, if fewer -- this happens for arado_website, which has fewer than 40
    eligible paragraphs; the shortfall is NOT topped up from other docs).
  * News: for each category, the category's articles (file order) are shuffled
    with rng.shuffle; walking that order, each article with >=1 eligible
    paragraph contributes exactly one paragraph chosen with rng.choice, until
    the quota is met (so at most one paragraph per article).
"""

import json
import os
import random
import re
import sys
import tempfile
from pathlib import Path

SEED = 20261130
ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data"
# Texts copied from ../shared may not enter the repository: the sample and the built splits go here.
WORK = Path(os.environ.get("DEVSET_WORK", tempfile.gettempdir())) / "themes_dev"
POLICY_DIR = SHARED / "policy-ar"
NEWS_FILE = SHARED / "news-ant" / "news_ant_v2.1_multisource_sample.jsonl"
OUT = WORK / "sample_raw.jsonl"

POLICY_QUOTAS = [
    ("arab_vision_2045", 40),
    ("dff_ai_case_studies", 40),
    ("arado_website", 40),
    ("saudi_vision2030", 40),
    ("dff_global50_youth", 20),
    ("staying_ahead_in_the_age_of_ai", 20),
]
LINE_DOCS = {"arado_website"}  # no blank lines in the file: one line = one block
NEWS_QUOTAS = [
    ("technology", 15),
    ("economy", 15),
    ("sport", 10),
    ("middleEast", 10),
    ("internationalNews", 10),
]
MIN_LEN, MAX_LEN = 80, 1500

ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]")
LETTER = re.compile(r"[^\W\d_]")
PUNCT = re.compile(r"[.,،؛:؟!]")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
NUMBERED = re.compile(r"\d+-\s")  # '1-\tItem2-\tItem' lists on the web site
RULE = re.compile(r"^\s*(-{3,}|\*{3,}|={3,}|_{3,})\s*$")
META = re.compile(r"^\s*\*\*(URL|Type|Scraped|Total Pages):\*\*")
LINK_ONLY = re.compile(
    r"^\s*(?:[-*•]\s*|\d+[.)]\s*)?"  # optional list marker
    r"(?:!?\[[^\]]*\](?:\([^)]*\))?\s*)+$"  # one or more [..] / [..](..) / ![..](..)
)
TOC_HEADING = re.compile(r"^\d+\s+#")  # table-of-contents line '7 ## 01/ ...'
TOC_LINE = re.compile(r"\s\d{1,3}$")  # '... 16' (title + page number)
URL_ONLY = re.compile(r"^\s*<?https?://\S+>?\s*$")


def is_structural(line: str) -> bool:
    s = line.strip()
    if not s:
        return True
    return bool(
        s.startswith("#")
        or TOC_HEADING.match(s)
        or s.startswith("|")
        or RULE.match(s)
        or META.match(s)
        or LINK_ONLY.match(s)
        or URL_ONLY.match(s)
    )


def eligible(text: str) -> bool:
    t = text.strip()
    if not (MIN_LEN <= len(t) <= MAX_LEN):
        return False
    letters = LETTER.findall(t)
    if not letters:
        return False
    if len(ARABIC.findall(t)) / len(letters) < 0.5:
        return False
    if not PUNCT.search(t) and len(NUMBERED.findall(t)) < 2:
        return False
    if EMAIL.search(t) and len(t) < 300:
        return False
    lines = t.split("\n")
    # a table of contents block is not a paragraph
    return not (len(lines) >= 2 and all(TOC_LINE.search(x.strip()) for x in lines))


def policy_candidates(stem: str) -> list:
    raw = (POLICY_DIR / f"{stem}.md").read_text(encoding="utf-8")
    lines = raw.split("\n")
    runs, cur = [], []
    for line in lines:
        if stem in LINE_DOCS:
            if not is_structural(line):
                runs.append([line])
            continue
        if is_structural(line):  # blank lines and structural lines end a run
            if cur:
                runs.append(cur)
            cur = []
        else:
            cur.append(line)
    if cur:
        runs.append(cur)
    out, seen = [], set()
    for run in runs:
        text = "\n".join(run).strip()
        if eligible(text) and text not in seen:
            seen.add(text)
            out.append(text)
    # sanity: every candidate is an exact substring of the source
    assert all(c in raw for c in out)
    return out


def news_articles() -> dict:
    by_cat = {}
    with NEWS_FILE.open(encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            by_cat.setdefault(d["category"], []).append(d)
    return by_cat


def article_paragraphs(art: dict) -> list:
    out, seen = [], set()
    for line in art.get("text", "").split("\n"):
        t = line.strip()
        if eligible(t) and t not in seen:
            seen.add(t)
            out.append(t)
    return out


def write_jsonl(path: Path, rows: list) -> None:
    """Write rows as UTF-8 JSON lines (Arabic kept readable), creating the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} rows to {path}", file=sys.stderr)


def main() -> None:
    stats = "--stats" in sys.argv
    rng = random.Random(SEED)
    rows = []
    for stem, k in POLICY_QUOTAS:
        cands = policy_candidates(stem)
        if stats:
            print(f"{stem}: {len(cands)} candidates, quota {k}", file=sys.stderr)
        picked = rng.sample(cands, min(k, len(cands)))
        for i, text in enumerate(picked, 1):
            rows.append(
                {"id": f"{stem}#{i}", "doc": stem, "doc_type": "policy", "text": text, "source_ref": f"{stem}.md"}
            )
    by_cat = news_articles()
    for cat, k in NEWS_QUOTAS:
        arts = list(by_cat[cat])
        rng.shuffle(arts)
        n = 0
        n_elig = sum(1 for a in arts if article_paragraphs(a))
        if stats:
            print(f"news:{cat}: {len(arts)} articles, {n_elig} with eligible paragraphs, quota {k}", file=sys.stderr)
        for art in arts:
            if n >= k:
                break
            paras = article_paragraphs(art)
            if not paras:
                continue
            n += 1
            rows.append(
                {
                    "id": f"news:{cat}#{n}",
                    "doc": f"news:{cat}",
                    "doc_type": "news",
                    "text": rng.choice(paras),
                    "source_ref": art["id"],
                }
            )
    write_jsonl(OUT, rows)


if __name__ == "__main__":
    main()
