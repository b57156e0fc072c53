"""The HTML report: end to end on the bundled corpus, and section by section on small made-up results.

``report_run`` (session scope) makes one pipeline run of the bundled corpus into
a temp folder with the default config plus ``report: {impl: html}``; the plot,
API, notebook and browser tests import it from here so the run happens once.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from pipeline.errors import ConfigError
from pipeline.stages.repair import REPAIR_NOTES
from pipeline.stages.report import stage as report

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = ROOT / "configs" / "default.yaml"
# results first, then the corpus (its file list collapsed), the trend and the run details
SECTIONS = ("themes", "paragraphs", "stakeholders", "tables", "candidates", "corpus", "trend", "run")
NOT_RUN = "stage not run"


# --------------------------------------------------------------------------- the shared run


@dataclass
class ReportRun:
    config: Path
    output: Path
    figures: list[str] = field(default_factory=list)  # charts the report should embed, from the result files
    theme_counts: dict[str, int] = field(default_factory=dict)  # paragraphs per theme, from units.jsonl


_RUNS: dict[str, ReportRun] = {}


def write_test_config(folder: Path, name: str = "config.yaml") -> Path:
    """configs/default.yaml with absolute paths, output in ``folder/out`` and the html report stage."""
    data = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    base = DEFAULT_CONFIG.parent
    data["corpus"] = str((base / data["corpus"]).resolve())
    data["output"] = str(folder / "out")
    for spec in data["stages"].values():
        options = (spec or {}).get("options") or {}
        for key, value in options.items():
            if isinstance(value, str) and value and (base / value).exists():
                options[key] = str((base / value).resolve())
    data["stages"].setdefault("report", {"impl": "html"})
    path = folder / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _expected_figures(output: Path) -> list[str]:
    def rows(name: str) -> list[dict]:
        path = output / name
        if not path.is_file():
            return []
        with open(path, encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))

    figures = []
    if rows("themes.csv"):
        figures.append("theme_shares")
    if rows("salience.csv"):
        figures.append("salience")
    if any(r.get("score") not in (None, "") for r in rows("positions.csv")):
        figures.append("positions")
    return figures


def make_report_run(tmp_path_factory: pytest.TempPathFactory) -> ReportRun:
    """The one run of the bundled corpus the report, plot, API, notebook and browser tests share."""
    if "bundled" not in _RUNS:
        from pipeline import config as config_module
        from pipeline.run import runner

        folder = tmp_path_factory.mktemp("report-run")
        config_path = write_test_config(folder)
        config = config_module.load(config_path)
        runner.run(config, quiet=True)
        units = [json.loads(line) for line in (config.output / "units.jsonl").read_text(encoding="utf-8").splitlines()]
        counts: dict[str, int] = {}
        for unit in units:
            if unit["kind"] == "paragraph":
                for theme in unit["themes"]:
                    counts[theme] = counts.get(theme, 0) + 1
        _RUNS["bundled"] = ReportRun(config_path, config.output, _expected_figures(config.output), counts)
    return _RUNS["bundled"]


@pytest.fixture(scope="session")
def report_run(tmp_path_factory) -> ReportRun:
    return make_report_run(tmp_path_factory)


def section(html: str, name: str) -> str:
    """The HTML of one ``<section id=name>``."""
    found = re.search(rf'<section class="block" id="{name}">(.*?)</section>', html, re.S)
    assert found, f"section {name} missing"
    return found.group(1)


# --------------------------------------------------------------------------- end to end


def test_report_of_the_bundled_corpus(report_run):
    html = (report_run.output / "report.html").read_text(encoding="utf-8")
    assert re.search(r'<html lang="ar" dir="rtl">', html)
    assert '<meta charset="utf-8">' in html
    assert re.findall(r'<section class="block" id="(\w+)">', html) == list(SECTIONS)
    assert report.paragraph_numbers(html) == list(range(1, 40))
    # the paragraph text is the repaired text of units.jsonl, escaped
    units = [json.loads(line) for line in (report_run.output / "units.jsonl").open(encoding="utf-8")]
    first = next(u for u in units if u["kind"] == "paragraph")
    plain = re.sub(r"<[^>]+>", "", section(html, "paragraphs"))
    words = first["text"].split()[:6]
    assert " ".join(words).replace("&", "&amp;") in plain
    # the document's metadata (corpora/un-igov-ar/metadata.yaml) names it in the corpus section
    corpus = section(html, "corpus")
    assert "A/66/77–E/2011/103" in corpus and "(2011)" in corpus and "تعزيز التعاون بشأن قضايا السياسة العامة" in corpus
    # and says what the run did (a first run: every document new, the models fitted)
    assert "(this run: 1 new, 0 changed, 0 removed, 0 unchanged; corpus-level models refitted: " in corpus
    assert "(new):" not in corpus  # a first run does not list its whole corpus as new


def test_the_corpus_section_names_the_files_a_reanalysis_found_changed(tmp_path):
    folder = made_up_run(tmp_path / "run", full=False)
    info = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    info["changes"] = {"new": 12, "changed": 1, "removed": 0, "same": 30}
    info["changes"]["sources"] = {"changed": ["/data/D1.txt"], "new": [f"/data/n{i:02d}.txt" for i in range(10)]}
    (folder / "run.json").write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
    report.write_report(folder, plots=False)
    corpus = section((folder / "report.html").read_text(encoding="utf-8"), "corpus")
    assert "D1.txt" in corpus and "/data/" not in corpus  # the file name, not the whole path
    assert "n09.txt" in corpus and "(+2)" in corpus  # the ten listed of twelve new, and the rest counted


def test_mojibake_decoded_at_ingest_is_in_the_repairs_table(tmp_path):
    folder = made_up_run(tmp_path / "run")
    info = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    info["stages"]["ingest"]["counts"]["mojibake_fixed"] = 122
    (folder / "run.json").write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
    report.write_report(folder, plots=False)
    corpus = section((folder / "report.html").read_text(encoding="utf-8"), "corpus")
    assert "as the file was read" in corpus and "122" in corpus
    # ... and in the document's row: which file it was (a new user saw «—» in its damage column)
    info["documents"][0]["mojibake_fixed"] = 122
    (folder / "run.json").write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
    report.write_report(folder, plots=False)
    corpus = section((folder / "report.html").read_text(encoding="utf-8"), "corpus")
    assert "ترميز مشوّه عند القراءة (122)" in corpus


def test_the_theme_table_counts_the_paragraphs_with_no_theme(tmp_path):
    # shares that add up to 41% were not explained: 59% of a new user's paragraphs had no theme
    folder = made_up_run(tmp_path / "run")
    info = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    info["stages"]["themes"] = {
        "impl": "semantic",
        "counts": {"paragraphs_with_theme": 103, "paragraphs_without_theme": 149},
    }
    (folder / "run.json").write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
    report.write_report(folder, taxonomy=TAXONOMY, plots=False)
    themes = section((folder / "report.html").read_text(encoding="utf-8"), "themes")
    assert (
        "no theme of the taxonomy" in themes and ">149<" in themes and "59%" in themes and "of 252 paragraphs" in themes
    )


def test_arabic_counts_take_the_form_the_number_asks_for():
    from pipeline.stages.report.sections import count_ar

    forms = ("وثيقة", "وثائق")
    assert [count_ar(n, *forms) for n in (1, 4, 10, 12, 100, 103)] == [
        "1 وثيقة", "4 وثائق", "10 وثائق", "12 وثيقة", "100 وثيقة", "103 وثائق",
    ]  # fmt: skip
    assert count_ar(12, "تشغيل", "تشغيلات", "تشغيلاً") == "12 تشغيلاً"


def test_statements_with_no_named_speaker_are_labelled_unspecified(report_run):
    """«unspecified» reads «غير محدد» in the stakeholder section (it read «بعض المساهمين», a subject that
    passive sentences with no speaker do not have)."""
    html = section((report_run.output / "report.html").read_text(encoding="utf-8"), "stakeholders")
    assert "غير محدد" in html
    assert not re.search(r"<t[dh][^>]*>\s*بعض المساهمين", html)  # no group cell named after a subject phrase


def test_position_notes_read_in_arabic_too(report_run):
    import csv
    import io

    from pipeline.stages.report.stakeholder_section import note_ar

    rows = list(csv.DictReader(io.StringIO((report_run.output / "positions.csv").read_text("utf-8"))))
    notes = [r["note"] for r in rows if r["note"]]
    assert notes and all(note_ar(n) for n in notes), [n for n in notes if not note_ar(n)]
    html = (report_run.output / "report.html").read_text(encoding="utf-8")
    assert "نموذج هرمي: متوسط" in html and "hierarchical model: mean of" in html  # the English stays beside
    assert note_ar("no interval: 2 statements with evidence, fewer than 5") == "لا فترة: 2 من الأقوال بأدلة، أقل من 5"
    assert note_ar("a note of a stage of your own") == ""


def test_report_is_self_contained(report_run):
    html = (report_run.output / "report.html").read_text(encoding="utf-8")
    assert not re.search(r'(src|href)="(https?:)?//', html), "a resource or link leaves the page"
    assert "@import" not in html and "url(http" not in html
    assert '<link rel="stylesheet"' not in html
    assert all(src.startswith("data:") for src in re.findall(r'<img src="([^"]+)"', html))
    assert "<script src" not in html


def test_repair_counts_from_run_json(report_run):
    info = json.loads((report_run.output / "run.json").read_text(encoding="utf-8"))
    html = section((report_run.output / "report.html").read_text(encoding="utf-8"), "corpus")
    repair = info["stages"].get("repair")
    if repair is None:
        assert NOT_RUN in html
        return
    cells = re.findall(r'<td class="n"><span class="ltr">(\d+)</span></td></tr>', html[html.index("repairs per fix") :])
    # profile_* counts are documents per damage profile, shown per document rather than as fixes; which
    # reading a searched line took is a note on a line counted once as fix_visual_order
    fixes = {k: v for k, v in repair["counts"].items() if v and not k.startswith(REPAIR_NOTES)}
    assert "fix_visual_order" in fixes and "fix_visual_order_model" in repair["counts"]
    assert sorted(int(c) for c in cells) == sorted(fixes.values())
    assert "خط التقرير المرفق" in html  # the bundled report's damage profile, in its document row


def test_plots_written_and_embedded(report_run):
    html = (report_run.output / "report.html").read_text(encoding="utf-8")
    for name in report_run.figures:
        png = report_run.output / "plots" / f"{name}.png"
        svg = report_run.output / "plots" / f"{name}.svg"
        assert png.read_bytes().startswith(b"\x89PNG")
        assert b"<svg" in svg.read_bytes()[:1000]
    assert html.count("data:image/svg+xml;base64,") == len(report_run.figures)


def test_report_is_deterministic(report_run, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    for folder in (first, second):
        shutil.copytree(report_run.output, folder, ignore=shutil.ignore_patterns("report.html", "plots", ".*"))
    from pipeline import config as config_module

    config = config_module.load(report_run.config)
    report.write_report(first, config)
    report.write_report(second, config)
    assert (first / "report.html").read_bytes() == (second / "report.html").read_bytes()
    for path in sorted((first / "plots").glob("*")) if (first / "plots").exists() else []:
        assert path.read_bytes() == (second / "plots" / path.name).read_bytes(), path.name
    assert not re.search(rb"20\d\d-\d\d-\d\dT\d\d:\d\d", (first / "report.html").read_bytes())


# --------------------------------------------------------------------------- made-up results

DOC = "D1"
TAXONOMY = {
    "labels": {"security": "الأمن", "development": "التنمية"},
    "labels_en": {"security": "Security", "development": "Development"},
    "seeds": {"security": ["الأمن السيبراني", "الأمن"], "development": ["التنمية", "البلدان النامية"]},
    "groups": {"governments": "الحكومات", "civil_society": "المجتمع المدني"},
    "groups_en": {},
    "axes": {"multi": "Intergovernmental (-1) vs multistakeholder (+1)"},
}


def _unit(kind: str, n: int | None, text: str, themes=(), scores=None, speakers=(), section=None) -> dict:
    suffix = {"paragraph": "p", "heading": "h", "footnote": "fn"}[kind]
    return {
        "doc_id": DOC,
        "unit_id": f"{DOC}/{suffix}{n or 1}",
        "kind": kind,
        "number": n,
        "section": section,
        "text": text,
        "tokens": [],
        "themes": list(themes),
        "theme_scores": scores or {},
        "speakers": list(speakers),
    }


def _write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _write_jsonl(path: Path, records: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


def made_up_run(folder: Path, *, full: bool = True) -> Path:
    """A small output folder: 3 paragraphs, a table with a flagged cell, and (``full``) every stage's files."""
    folder.mkdir(parents=True, exist_ok=True)
    stages = {"ingest": {"impl": "files", "counts": {"documents": 1}}}
    if full:
        stages["repair"] = {"impl": "pdf_artefacts", "counts": {"repair_yeh": 7, "strip_kashida": 12}}
    info = {
        "name": "made-up",
        "config": "configs/x.yaml",
        "config_hash": "ab" * 32,
        "versions": {"python": "3.11"},
        "started": "2030-01-01T00:00:00Z",
        "documents": [{"doc_id": DOC, "source": "/data/D1.txt", "sha256": "0", "encoding": "utf-8", "units": 4}],
        "failed": [],
        "stages": stages,
    }
    (folder / "run.json").write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
    units = [
        _unit("heading", 1, "أولا - معلومات <أساسية>"),
        _unit(
            "paragraph",
            1,
            "تعزيز الأمن السيبراني في البلدان النامية & <script>alert('x')</script>",
            ["security", "development"],
            {"security": 0.9, "development": 0.6},
            ["governments"],
            f"{DOC}/h1",
        ),
        _unit("paragraph", 2, "دعم التنمية المستدامة.", ["development"], {"development": 0.7}, [], f"{DOC}/h1"),
        _unit("paragraph", 3, "نص بلا موضوع.", section=f"{DOC}/h1"),
    ]
    _write_jsonl(folder / "units.jsonl", units)
    table = {
        "doc_id": DOC,
        "unit_id": f"{DOC}/t1",
        "title": "عدد الإسهامات <b>",
        "columns": ["2010", "total"],
        "rows": [
            {"label": "الحكومات", "printed": ["11", "12"], "values": [11, 12], "flags": ["total"], "implied": [11, 11]},
            {"label": "المجموع", "printed": ["11", "11"], "values": [11, 11], "flags": [], "implied": []},
        ],
        "flags": ["الحكومات: total printed '12' but the row sums to 11"],
    }
    _write_jsonl(folder / "tables.jsonl", [table])
    if not full:
        return folder
    _write_csv(
        folder / "themes.csv",
        ["theme", "label_ar", "label_en", "paragraphs", "share", "top_terms", "coherence_npmi"],
        [
            ["security", "الأمن", "Security", 1, "0.3333", "امن سيبران", "0.1200"],
            ["development", "التنمية", "Development", 2, "0.6667", "تنم بلد نام", ""],
        ],
    )
    _write_jsonl(
        folder / "candidate_themes.jsonl",
        [
            {
                "id": "candidate_1",
                "size": 3,
                "top_terms": ["تجار", "الكترون"],
                "nearest_theme": "development",
                "typical": [{"unit_id": f"{DOC}/p3", "text": "نص بلا موضوع."}],
                "units": [f"{DOC}/p3"],
            }
        ],
    )
    _write_jsonl(
        folder / "statements.jsonl",
        [
            {
                "doc_id": DOC,
                "unit_id": f"{DOC}/p1",
                "speaker": "governments",
                "text": "أكدت الحكومات <ضرورة> التعاون",
                "cue": "أكدت",
                "themes": ["security"],
                "scores": {"multi": 1.0},
            }
        ],
    )
    _write_csv(
        folder / "positions.csv",
        ["group", "axis", "score", "ci_low", "ci_high", "n_statements", "n_scored", "method", "note"],
        [
            ["governments", "multi", "-0.4000", "-0.7000", "-0.1000", 6, 6, "cues", ""],
            ["civil_society", "multi", "0.5000", "", "", 2, 2, "cues", "no interval: 2 statements"],
        ],
    )
    _write_csv(
        folder / "salience.csv",
        ["group", "theme", "n_statements", "share"],
        [
            ["governments", "security", 3, "0.7500"],
            ["governments", "development", 1, "0.2500"],
            ["civil_society", "development", 2, "1.0000"],
        ],
    )
    return folder


def test_every_section_with_made_up_results(tmp_path):
    folder = made_up_run(tmp_path / "run")
    counts = report.write_report(folder, taxonomy=TAXONOMY)
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert counts["paragraphs"] == 3 and counts["figures"] == 3 and counts["sections_not_run"] == 0
    assert NOT_RUN not in html
    # corpus and repair counts
    corpus = section(html, "corpus")
    assert "تصحيح الياء" in corpus
    assert (
        '<td class="n"><span class="ltr">7</span></td>' in corpus
        and '<td class="n"><span class="ltr">12</span></td>' in corpus
    )
    # themes: largest share first, Arabic label, English label, top terms, chart
    themes = section(html, "themes")
    assert themes.index("التنمية") < themes.index("الأمن")
    assert "67%" in themes and "33%" in themes and "Development" in themes and ">سيبران<" in themes
    assert "data:image/svg+xml;base64," in themes
    # paragraph browser: themes ordered by score with scores, speakers, seed marks
    paras = section(html, "paragraphs")
    assert report.paragraph_numbers(html) == [1, 2, 3]
    first = re.search(
        r'<article class="para" id="para-D1-p1" data-themes="security development">(.*?)</article>', paras, re.S
    )
    assert first, paras
    assert re.search(
        r"الأمن<span class=\"score\">0.90</span>.*التنمية<span class=\"score\">0.60</span>", first.group(1), re.S
    )
    assert 'title="governments">الحكومات</span>' in first.group(1)
    assert 'title="الأمن السيبراني">الأمن السيبراني</mark>' in first.group(1)  # the longer seed wins
    assert 'title="البلدان النامية">البلدان النامية</mark>' in first.group(1)
    assert "بلا موضوع" in paras and "أولا - معلومات &lt;أساسية&gt;" in paras
    # stakeholders: heat map table + chart, positions with interval, statements
    stake = section(html, "stakeholders")
    assert stake.count("data:image/svg+xml;base64,") == 2
    assert "75%" in stake and "100%" in stake
    assert "[-0.70, -0.10]" in stake and "-0.40" in stake
    # numbers in the right-to-left table are left-to-right isolates: «-0.40», never «0.40-»
    assert '<td class="n"><span class="ltr">-0.40</span></td>' in stake
    assert "no interval: 2 statements" in stake
    assert "أكدت الحكومات &lt;ضرورة&gt; التعاون" in stake
    # tables: the flagged cell shows the value the sums imply
    tables = section(html, "tables")
    flagged = '<td class="n flagged" title="11"><span class="ltr">12</span><small>المجموع يقتضي <span class="ltr">11</span></small></td>'
    assert flagged in tables
    assert "row sums to 11" in tables and "عدد الإسهامات &lt;b&gt;" in tables
    # candidates
    candidates = section(html, "candidates")
    assert "candidate_1" in candidates and ">تجار<" in candidates and "الأقرب إلى: التنمية" in candidates
    for name in ("theme_shares", "salience", "positions"):
        assert (folder / "plots" / f"{name}.png").is_file() and (folder / "plots" / f"{name}.svg").is_file()


def test_text_is_escaped(tmp_path):
    folder = made_up_run(tmp_path / "run")
    taxonomy = {**TAXONOMY, "labels": {**TAXONOMY["labels"], "security": "<i>الأمن</i>"}}
    report.write_report(folder, taxonomy=taxonomy, plots=False)
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "&amp; &lt;script" in html
    assert "<i>" not in html and "&lt;i&gt;الأمن&lt;/i&gt;" in html
    assert html.count("<script>") == 1  # the page's own filter script, nothing from the data


def test_missing_results_say_stage_not_run(tmp_path):
    folder = made_up_run(tmp_path / "run", full=False)
    counts = report.write_report(folder)
    html = (folder / "report.html").read_text(encoding="utf-8")
    for name in ("themes", "stakeholders", "candidates"):
        assert NOT_RUN in section(html, name), name
    assert NOT_RUN in section(html, "corpus")  # repair did not run
    assert report.paragraph_numbers(html) == [1, 2, 3]
    assert counts["figures"] == 0 and counts["sections_not_run"] == 3
    assert not (folder / "plots").exists()


def test_empty_folder_still_renders(tmp_path):
    counts = report.write_report(tmp_path)
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert counts["paragraphs"] == 0
    for name in SECTIONS:
        assert section(html, name)
    assert html.count(NOT_RUN) >= 5


def test_max_paragraphs_and_no_plots(tmp_path):
    folder = made_up_run(tmp_path / "run")
    counts = report.write_report(folder, taxonomy=TAXONOMY, max_paragraphs=2, plots=False)
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert report.paragraph_numbers(html) == [1, 2]
    assert "يُعرض 2 من 3 فقرة" in html
    assert counts["figures"] == 0 and "data:image" not in html
    assert "75%" in section(html, "stakeholders")  # the heat map table stays without charts


# --------------------------------------------------------------------------- large outputs, streamed

BIG_THEMES = ("security", "development")


def _big_unit(i: int) -> dict:
    """Paragraph ``i`` (numbered i + 1) of a made-up large output: themes cycle, every 50th opens a section."""
    themes = [BIG_THEMES[j] for j in range(2) if (i >> j) % 3 == 0]
    return {
        "doc_id": f"D{i // 1000}",
        "unit_id": f"D{i // 1000}/p{i + 1}",
        "kind": "paragraph",
        "number": i + 1,
        "section": f"h{i // 50}",
        "text": f"الفقرة {i + 1}: تعزيز الأمن والتنمية في البلدان النامية.",
        "tokens": ["عزز", "امن", "تنم", "بلد", "نام"],
        "themes": themes,
        "theme_scores": {t: 0.5 for t in themes},
        "speakers": ["governments"] if i % 4 == 0 else [],
    }


def _big_units(n: int):
    for i in range(n):
        if i % 50 == 0 and i // 50 != 1:  # section 1's heading comes after its paragraphs (the page still finds it)
            yield {"doc_id": "D", "unit_id": f"h{i // 50}", "kind": "heading", "text": f"القسم {i // 50}"}
        yield _big_unit(i)
        if i == 99:
            yield {"doc_id": "D", "unit_id": "h1", "kind": "heading", "text": "القسم 1"}


def big_run(folder: Path, paragraphs: int, statements: int) -> Path:
    """An output folder with ``paragraphs`` paragraphs and ``statements`` statements, written by pipeline.atomic."""
    from pipeline import atomic

    atomic.write_jsonl(folder / "units.jsonl", _big_units(paragraphs))
    atomic.write_jsonl(
        folder / "statements.jsonl",
        (
            {
                "doc_id": "D0",
                "unit_id": f"D0/p{i + 1}",
                "speaker": "governments",
                "text": f"القول {i + 1}",
                "cue": "أكد",
            }
            for i in range(statements)
        ),
    )
    atomic.write_json(folder / "run.json", {"name": "big", "documents": [], "stages": {}})
    return folder


def test_large_output_shows_the_first_paragraphs_and_counts_all(tmp_path):
    folder = big_run(tmp_path, 5000, 3000)
    assert report.HtmlReport().max_paragraphs == report.DEFAULT_MAX_PARAGRAPHS == 1000
    counts = report.write_report(folder, taxonomy=TAXONOMY, plots=False)
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert counts["paragraphs"] == 1000
    assert report.paragraph_numbers(html) == list(range(1, 1001))  # the first ones, in document order
    assert "5000 فقرة" in html  # the header counts them all
    paras = section(html, "paragraphs")
    assert "<b>يُعرض 1,000 من 5,000 فقرة</b>" in paras
    assert "showing the first 1,000 of 5,000 paragraphs, in document order; all are in units.jsonl" in paras
    # the sections of the shown paragraphs, with their headings (also one written after its paragraphs)
    assert re.findall(r'<h3 class="section-heading">القسم (\d+)</h3>', paras) == [str(n) for n in range(20)]
    # per theme: paragraphs on the page / in the corpus, counted in the same pass
    for theme in BIG_THEMES:
        shown = sum(theme in _big_unit(i)["themes"] for i in range(1000))
        total = sum(theme in _big_unit(i)["themes"] for i in range(5000))
        label = TAXONOMY["labels"][theme]
        assert f'<option value="{theme}">{label} ({shown:,} / {total:,})</option>' in paras
    assert paras.count("data-themes=") == 1000
    # statements: the first 1,000 of 3,000
    stake = section(html, "stakeholders")
    assert "الأقوال المنسوبة (3,000)" in stake and "<b>يُعرض 1,000 من 3,000 قول</b>" in stake
    assert "showing the first 1,000 of 3,000 statements" in stake
    assert "القول 1000<" in stake and "القول 1001<" not in stake
    # None shows everything, without the note
    counts = report.write_report(folder, plots=False, max_paragraphs=None, max_statements=None)
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert counts["paragraphs"] == 5000 and report.paragraph_numbers(html) == list(range(1, 5001))
    assert "paragraphs-shown" not in html and "statements-shown" not in html and "القول 3000<" in html


def test_small_outputs_show_everything_without_a_note(tmp_path):
    folder = big_run(tmp_path, 40, 5)
    report.write_report(folder, taxonomy=TAXONOMY, plots=False)
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert report.paragraph_numbers(html) == list(range(1, 41))
    assert "يُعرض" not in html and "showing the first" not in html
    assert '<option value="security">الأمن</option>' in html  # no counts in the filter either


def test_candidate_lists_at_most_100_units(tmp_path):
    folder = made_up_run(tmp_path / "run")
    units = [f"{DOC}/p{i}" for i in range(1, 251)]
    _write_jsonl(folder / "candidate_themes.jsonl", [{"id": "candidate_1", "top_terms": ["تجار"], "units": units}])
    report.write_report(folder, taxonomy=TAXONOMY, plots=False)
    candidates = section((folder / "report.html").read_text(encoding="utf-8"), "candidates")
    assert "— 250 فقرة" in candidates  # the size counts them all
    assert "p100, … (+150)" in candidates and "p101" not in candidates


def test_units_and_statements_are_streamed_not_loaded(tmp_path, monkeypatch):
    """The report reads the two large files with atomic.iter_jsonl, never whole with read_jsonl."""
    from pipeline import atomic

    real = atomic.read_jsonl

    def refuse_large(path):
        assert Path(path).name not in ("units.jsonl", "statements.jsonl"), f"{path} read whole"
        return real(path)

    monkeypatch.setattr(atomic, "read_jsonl", refuse_large)
    for folder, shown in ((made_up_run(tmp_path / "made-up"), 3), (big_run(tmp_path / "big", 2000, 1500), 10)):
        counts = report.write_report(folder, taxonomy=TAXONOMY, plots=False, max_paragraphs=10, max_statements=10)
        html = (folder / "report.html").read_text(encoding="utf-8")
        assert counts["paragraphs"] == shown == len(report.paragraph_numbers(html))


def test_report_memory_does_not_grow_with_the_corpus(tmp_path):
    """50,000 units: the peak of building the page stays a small fraction of what the list of them takes."""
    import tracemalloc

    from pipeline import atomic
    from pipeline.run import history  # noqa: F401  (imported before measuring: pandas is not the report)

    folder = big_run(tmp_path, 50_000, 20_000)
    records = sum(1 for _ in atomic.iter_jsonl(folder / "units.jsonl"))
    assert records > 50_000
    tracemalloc.start()
    try:
        context = report.build_context(folder, taxonomy=TAXONOMY, max_paragraphs=100, max_statements=100)
        _, streamed = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        everything = atomic.read_jsonl(folder / "units.jsonl")
        _, loaded = tracemalloc.get_traced_memory()
        del everything
    finally:
        tracemalloc.stop()
    assert context["paragraphs"]["total"] == 50_000 and context["paragraphs"]["shown"] == 100
    assert context["stakeholders"]["statements_total"] == 20_000 and len(context["stakeholders"]["statements"]) == 100
    print(f"peak: streamed {streamed / 2**20:.1f} MiB, list of units {loaded / 2**20:.1f} MiB")
    assert streamed < loaded / 10, (streamed, loaded)


def test_seed_highlighter_folds_prefixes_and_prefers_longer_seeds():
    highlighter = report.SeedHighlighter({"a": ["الإنترنت"], "b": ["أمن الإنترنت"], "c": ["التنمية"]})
    text = "دعم أمن الإنترنت وبالإنترنت، والتنمية."
    segments = highlighter.segments(text)
    assert "".join(s["text"] for s in segments) == text
    marked = [(s["text"], s["theme"], s["seed"]) for s in segments if s["theme"]]
    assert marked == [
        ("أمن الإنترنت", "b", "أمن الإنترنت"),
        ("وبالإنترنت", "a", "الإنترنت"),
        ("والتنمية", "c", "التنمية"),
    ]
    assert report.SeedHighlighter({}).segments(text) == [{"text": text, "theme": None, "seed": None}]


def test_seed_highlighter_marks_exactly_what_the_theme_scorer_counts():
    from pipeline.text.gazetteer import PhraseMatcher

    # the run's normalisation (here: drop diacritics, fold alef forms) applies to seeds and words alike
    fold = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "\u064e": None, "\u0650": None})

    def normalize(text: str) -> str:
        return text.translate(fold)

    seeds = {"x": ["حماية البيانات", "دور الأمم المتحدة"], "y": ["الأمم المتحدة"]}
    text = "نريد حِمايةَ البيانات، ودعم الأمم المتحدة ودورِ الامم المتحدة."
    marked = [(s["text"], s["theme"]) for s in report.SeedHighlighter(seeds, normalize).segments(text) if s["theme"]]
    assert marked == [("حِمايةَ البيانات", "x"), ("الأمم المتحدة", "y"), ("ودورِ الامم المتحدة", "x")]
    counts = PhraseMatcher([seeds["x"], seeds["y"]], normalize).counts([normalize(text)])
    assert counts.tolist() == [[2.0, 1.0]]  # the scorer's evidence: the same three matches


def test_html_report_is_a_registered_stage_with_checked_options(tmp_path):
    from pipeline import config as config_module
    from pipeline import registry

    assert registry.lookup("report", "html") is report.HtmlReport
    path = tmp_path / "c.yaml"
    base = {"name": "t", "corpus": str(ROOT / "corpora" / "un-igov-ar"), "output": str(tmp_path / "out")}
    stages = {"ingest": {"impl": "files"}, "structure": {"impl": "un_document"}}
    path.write_text(
        yaml.safe_dump({**base, "stages": {**stages, "report": {"impl": "html", "options": {"plots": "yes"}}}}),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"report\.options\.plots"):
        config_module.load(path)
    path.write_text(
        yaml.safe_dump(
            {**base, "stages": {**stages, "report": {"impl": "html", "options": {"plots": False, "max_paragraphs": 5}}}}
        ),
        encoding="utf-8",
    )
    spec = config_module.load(path).stages["report"]
    assert spec.build() == report.HtmlReport(plots=False, max_paragraphs=5)


# --------------------------------------------------------------------------- trend across runs


def _trend_png(output: Path) -> Path:
    return output / "plots" / "trend.png"


ONE_RUN_NOTE = "one run so far: the trend appears from the second run"


def test_first_run_shows_the_one_run_note_and_no_trend_plot(report_run):
    html = (report_run.output / "report.html").read_text(encoding="utf-8")
    trend = section(html, "trend")
    assert ONE_RUN_NOTE in trend and "يظهر الاتجاه ابتداءً من التشغيل الثاني" in trend
    assert "<img" not in trend and "<table" not in trend
    assert not _trend_png(report_run.output).exists()
    assert not (report_run.output / "plots" / "trend.svg").exists()


def test_second_run_into_the_same_folder_adds_the_trend_chart(report_run, tmp_path):
    from pipeline import config as config_module
    from pipeline.run import history, runner

    config = config_module.load(write_test_config(tmp_path))
    shutil.copytree(report_run.output / ".cache", config.output / ".cache")  # skip the per-document stages
    runner.run(config, quiet=True)
    first = (config.output / "report.html").read_text(encoding="utf-8")
    assert ONE_RUN_NOTE in section(first, "trend") and not _trend_png(config.output).exists()

    runner.run(config, quiet=True)
    html = (config.output / "report.html").read_text(encoding="utf-8")
    trend = section(html, "trend")
    assert ONE_RUN_NOTE not in trend
    assert '<img src="data:image/svg+xml;base64,' in trend and 'href="plots/trend.png"' in trend
    assert _trend_png(config.output).read_bytes().startswith(b"\x89PNG")
    assert b"<svg" in (config.output / "plots" / "trend.svg").read_bytes()[:1000]
    assert html.count("data:image/svg+xml;base64,") == len(report_run.figures) + 1
    # the table: runs #1 and #2 (this run, recorded only after the report), each with its day
    days = [str(d)[:10] for d in history.runs(config.output)["started"]]
    for number, day in enumerate(days, 1):
        assert f'<span class="ltr">#{number}</span><br><small class="ltr">{day}</small>' in trend
    assert "#3" not in trend and "هذا التشغيل" in trend
    shares = [share for _, _, _, share in history.read_shares(config.output)]
    if shares:  # same corpus and config twice: every theme keeps its share
        for share in shares:
            assert trend.count(f'<span class="ltr">{share * 100:.1f}%</span>') >= 2
    # rebuilding the report afterwards reads both runs from the history (this run is not counted twice)
    in_run = {name: (config.output / "plots" / name).read_bytes() for name in ("trend.png", "trend.svg")}
    report.write_report(config.output, config)
    rebuilt = section((config.output / "report.html").read_text(encoding="utf-8"), "trend")
    assert "#3" not in rebuilt and "#2" in rebuilt
    for name, data in in_run.items():
        assert (config.output / "plots" / name).read_bytes() == data, name


def _corrupt_history(output: Path) -> None:
    path = output / "history" / "history.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not an sqlite database\n" * 64)


def test_corrupt_history_gives_a_note_not_a_crash(tmp_path):
    folder = made_up_run(tmp_path / "run")
    _corrupt_history(folder)
    counts = report.write_report(folder, taxonomy=TAXONOMY)
    trend = section((folder / "report.html").read_text(encoding="utf-8"), "trend")
    assert "run history unreadable" in trend and "DatabaseError" in trend and "<img" not in trend
    assert counts["figures"] == 3 and not _trend_png(folder).exists()


def test_corrupt_history_inside_a_run(tmp_path):
    """The report stage reads the history of the real output folder while writing into the staging folder."""
    from types import SimpleNamespace

    output = tmp_path / "out"
    staging = made_up_run(output / ".staging")
    _corrupt_history(output)
    corpus = SimpleNamespace(output=staging, config=SimpleNamespace(output=output, stages={}), normalize=None)
    report.HtmlReport().apply(corpus)
    trend = section((staging / "report.html").read_text(encoding="utf-8"), "trend")
    assert "run history unreadable" in trend and not _trend_png(staging).exists()


def test_trend_from_recorded_runs_and_this_run(tmp_path):
    from pipeline.run import history

    output = tmp_path / "out"
    staging = made_up_run(output / ".staging")  # this run: development 2/3, security 1/3
    for run_id, started, shares, score, scored in (
        ("r1", "2026-01-05T03:00:00Z", ("0.2500", "0.7500"), "0.2000", "4"),
        ("r2", "2026-01-12T03:00:00Z", ("0.5000", "0.5000"), "-0.1000", ""),  # no count: shown without one
    ):
        _write_csv(
            output / "themes.csv",
            ["theme", "label_en", "share"],
            [["development", "Development", shares[0]], ["security", "Security", shares[1]]],
        )
        _write_csv(
            output / "positions.csv", ["group", "axis", "score", "n_scored"], [["governments", "multi", score, scored]]
        )
        record = {"run_id": run_id, "status": "ok", "started": started, "documents": [], "failed": []}
        assert history.record(output, record)
    history.record(output, {"run_id": "r3", "status": "failed", "started": "2026-01-19T03:00:00Z"})
    counts = report.write_report(staging, taxonomy=TAXONOMY, history_dir=output)
    trend = section((staging / "report.html").read_text(encoding="utf-8"), "trend")
    assert counts["figures"] == 4 and _trend_png(staging).is_file() and not _trend_png(output).exists()
    # runs are numbered as `python -m pipeline history` numbers them: the failed run #3 has no point
    assert '<small class="ltr">2026-01-05</small>' in trend and "2026-01-12" in trend
    assert '<span class="ltr">#4</span><br><small class="ltr">2030-01-01</small><br><small>هذا التشغيل</small>' in trend
    assert '<span class="ltr">#3</span>' not in trend
    rows = dict(re.findall(r"<tr><td>([^<]+)</td>(.*?)</tr>", trend))
    cells = {label: re.findall(r'<span class="ltr">([^<]+)</span>', row) for label, row in rows.items()}
    assert cells["التنمية"] == ["25.0%", "50.0%", "66.7%", "+41.7"]  # Arabic labels from the taxonomy
    assert cells["الأمن"] == ["75.0%", "50.0%", "33.3%", "-41.7"]
    # a position shows the statements it was scored from
    assert cells["الحكومات"] == ["0.20 (4)", "-0.10", "-0.40 (6)", "-0.60"]
    assert cells["المجتمع المدني"] == ["—", "—", "0.50 (2)", "—"]
    assert list(rows).index("التنمية") < list(rows).index("الأمن")  # largest share in this run first


def test_no_trend_without_history_or_results(tmp_path):
    folder = made_up_run(tmp_path / "run")
    report.write_report(folder, taxonomy=TAXONOMY)  # no history at all
    assert ONE_RUN_NOTE in section((folder / "report.html").read_text(encoding="utf-8"), "trend")
    assert not _trend_png(folder).exists()
    bare = made_up_run(tmp_path / "bare", full=False)  # an earlier run, but this one has no themes/positions
    from pipeline.run import history

    _write_csv(bare / "themes.csv", ["theme", "share"], [["security", "0.5"]])
    history.record(bare, {"run_id": "r1", "status": "ok", "started": "2026-01-05T03:00:00Z"})
    (bare / "themes.csv").unlink()
    report.write_report(bare)
    assert ONE_RUN_NOTE in section((bare / "report.html").read_text(encoding="utf-8"), "trend")
    assert not _trend_png(bare).exists()


def test_themes_say_how_sure_and_candidates_name_their_document(tmp_path):
    """Per theme the report shows the threshold, the median score of the assigned paragraphs, the 90th
    percentile of the others and the paragraphs near the threshold; candidate units keep their document id."""
    folder = made_up_run(tmp_path / "run")
    _write_csv(
        folder / "themes.csv",
        ["theme", "label_ar", "label_en", "paragraphs", "share", "top_terms", "coherence_npmi", "threshold",
         "score_median_assigned", "score_p90_unassigned", "near_threshold", "learned_terms"],
        [["security", "الأمن", "Security", 1, "0.3333", "الأمن السيبراني; الهجمات", "0.1200", "0.4125", "0.8750",
          "0.1375", 2, ""]],
    )  # fmt: skip
    report.write_report(folder, taxonomy=TAXONOMY, plots=False)
    html = (folder / "report.html").read_text(encoding="utf-8")
    themes = section(html, "themes")
    assert ">الأمن السيبراني<" in themes  # a display phrase stays one term
    for cell in (
        '<td class="n"><span class="ltr">0.41</span></td>',
        '<td class="n"><span class="ltr">0.88</span></td>',
        '<td class="n"><span class="ltr">0.14</span></td>',
        '<td class="n"><span class="ltr">2</span></td>',
    ):
        assert cell in themes, cell
    assert "قرب العتبة" in themes
    assert f"{DOC}/p3" in section(html, "candidates")


def test_the_top_banner_counts_documents_with_warnings_not_stage_warnings():
    from pipeline.stages.report.sections import section_corpus

    info = {
        "documents": [{"doc_id": "a", "warnings": []}, {"doc_id": "b", "warnings": ["no paragraph found"]}],
        "warnings": ["b: no paragraph found", "stakeholders: axis 'x' found no evidence in this corpus"],
        "stages": {},
    }
    corpus = section_corpus(info)
    assert corpus["warned_documents"] == 1 and len(corpus["warnings"]) == 2
    info["documents"][1]["warnings"] = []
    info["warnings"] = info["warnings"][1:]
    assert section_corpus(info)["warned_documents"] == 0


def test_units_of_a_corpus_name_their_document_and_general_tables_keep_their_header(tmp_path):
    """With several documents each listed paragraph, statement and table names its document; a table of the
    general layout shows its label column's header, text cells in their own direction with their line breaks,
    what its markup left in doubt, and no «totals consistent» note (it has no total row to check)."""
    folder = made_up_run(tmp_path / "run")
    other = dict(_unit("paragraph", 1, "فقرة من وثيقة أخرى."), doc_id="sub/D2", unit_id="sub/D2/p1")
    with open(folder / "units.jsonl", "a", encoding="utf-8") as handle:
        handle.write(json.dumps(other, ensure_ascii=False) + "\n")
    general = {
        "doc_id": "sub/D2",
        "unit_id": "sub/D2/t1",
        "title": "",
        "columns": ["الواقع الراهن", "الأداء المستهدف 2045"],
        "label_column": "المؤشر",
        "rows": [{"label": "دليل الابتكار", "printed": ["القيمة: 25.94\nالسنة: 2022", "60"], "values": [None, 60]}],
        "flags": ["rows [2] do not have the 3 cells of the header: cells may be misplaced"],
    }
    with open(folder / "tables.jsonl", "a", encoding="utf-8") as handle:
        handle.write(json.dumps(general, ensure_ascii=False) + "\n")
    report.write_report(folder, taxonomy=TAXONOMY, plots=False)
    html = (folder / "report.html").read_text(encoding="utf-8")
    paras = section(html, "paragraphs")
    assert '<span class="src ltr" title="الوثيقة / الفقرة">D1/p1</span>' in paras
    assert '<span class="src ltr" title="الوثيقة / الفقرة">sub/D2/p1</span>' in paras
    assert '<span class="ltr">D1/p1</span></td></tr>' in section(html, "stakeholders")  # the statement's source
    tables = section(html, "tables")
    first, second = tables.split("sub/D2/t1")
    assert '<span class="en ltr">D1/t1</span>' in first and "المجموع" in first and "<th>البند</th>" in first
    assert "<th>المؤشر</th>" in second and '<th class="n">الواقع الراهن</th>' in second
    assert '<td class="cell" dir="auto">القيمة: 25.94\nالسنة: 2022</td>' in second
    assert '<td class="n"><span class="ltr">60</span></td>' in second
    assert "cells may be misplaced" in second and "المجاميع متسقة" not in second


def test_one_document_needs_no_source_on_each_paragraph(tmp_path):
    folder = made_up_run(tmp_path / "run")
    report.write_report(folder, taxonomy=TAXONOMY, plots=False)
    assert 'class="src ltr"' not in section((folder / "report.html").read_text(encoding="utf-8"), "paragraphs")
