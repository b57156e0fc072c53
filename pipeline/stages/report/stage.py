"""The HTML report of a run: one self-contained, right-to-left page people can read and print.

The report stage runs last.  It reads the result files the other stages wrote
into the output folder (units.jsonl, tables.jsonl, run.json, themes.csv,
candidate_themes.jsonl, statements.jsonl, positions.csv, salience.csv), draws
the charts (PNG + SVG into ``plots/``; the SVG is embedded in the page), and
renders ``report.html`` with Jinja2 (autoescaped: every piece of text from the
documents is escaped).  A missing file means its stage did not run; its section
says so instead of failing.

units.jsonl and statements.jsonl grow with the corpus, so they are read as a
stream, in one pass each: the page keeps the first ``max_paragraphs`` paragraphs
and ``max_statements`` statements in document order (1,000 each by default;
None shows all) plus counts over all of them, and says how many it leaves out.
The other result files are small (one row per theme, group or table).

The trend section reads the run history (:mod:`pipeline.run.history`) of the real
output folder: inside a run the report is written into a staging folder before
the run is recorded, so the earlier runs come from the history and this run's
point from its own themes.csv / positions.csv.  With fewer than two runs, or an
unreadable history, the section says so and draws nothing.

The page needs no network: CSS and a few lines of script are inline, charts are
data URIs, fonts come from the system.  Nothing in it depends on the clock, so
the same results give a byte-identical file.

:func:`write_report` rebuilds the report of an existing output folder without
re-running the pipeline (``HtmlReport.apply`` is a thin wrapper around it).

This module is the stage's entry point; its parts live beside it: :mod:`.inputs`
reads the result files and the taxonomy, :mod:`.highlight` marks seed terms,
:mod:`.sections`, :mod:`.stakeholder_section` and :mod:`.trend_section` build
the sections, and :mod:`.plots` draws the charts.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, ClassVar

from pydantic import Field

from pipeline import atomic
from pipeline.registry import register
from pipeline.stages.base import CorpusStage
from pipeline.stages.report.highlight import SeedHighlighter
from pipeline.stages.report.inputs import (
    config_labels,
    empty_taxonomy,
    result_json,
    result_list,
    result_records,
    result_rows,
)
from pipeline.stages.report.sections import (
    count_ar,
    section_candidates,
    section_corpus,
    section_paragraphs,
    section_run,
    section_tables,
    section_themes,
)
from pipeline.stages.report.stakeholder_section import section_stakeholders
from pipeline.stages.report.trend_section import section_trend

TEMPLATE = "report.html.j2"
PLOTS_FOLDER = "plots"
# At most this many paragraphs / statements on the page unless told otherwise (None: all); the rest are counted.
DEFAULT_MAX_PARAGRAPHS = 1000
DEFAULT_MAX_STATEMENTS = 1000
# Theme colours (background, text) for seed marks and theme chips: light enough to read text on.
PALETTE = (
    ("#dbeaf5", "#123b57"),
    ("#f8e0c9", "#5b3210"),
    ("#dcefd8", "#1f4a19"),
    ("#f3d9e6", "#5c1839"),
    ("#e6e0f5", "#35225f"),
    ("#f5efc4", "#4d4307"),
    ("#d6efee", "#0f4645"),
    ("#f3dcd6", "#5c2114"),
    ("#e4e4e4", "#2b2b2b"),
    ("#e9f1cf", "#3b4a0b"),
)

# Speaker ids the stakeholder stage uses that no config names.
GROUP_FALLBACK = {"unspecified": "غير محدد", "(all)": "كل الفئات"}
# Theme ids the stages use that no taxonomy names (salience.csv counts statements without a theme as "(none)").
THEME_FALLBACK = {"(none)": "بلا موضوع", "none": "بلا موضوع"}


# --------------------------------------------------------------------------- figures


def _figures(folder: Path, context: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Draw the charts into ``folder/plots``; returns data URIs of the SVGs by name."""
    from pipeline.stages.report import plots

    made: dict[str, dict[str, str]] = {}
    out = folder / PLOTS_FOLDER

    def keep(name: str, fig: Any, alt: str) -> None:
        saved = plots.save_figure(fig, out, name)
        uri = "data:image/svg+xml;base64," + base64.b64encode(saved["svg_bytes"]).decode("ascii")
        made[name] = {"uri": uri, "alt": alt, "png": f"{PLOTS_FOLDER}/{name}.png", "svg": f"{PLOTS_FOLDER}/{name}.svg"}

    themes = context["themes"]
    if themes["ran"] and themes["rows"]:
        keep(
            "theme_shares",
            plots.theme_shares_figure([r["label"] for r in themes["rows"]], [r["share"] for r in themes["rows"]]),
            "مخطط أعمدة لحصة كل موضوع من الفقرات",
        )
    stakeholders = context["stakeholders"]
    salience = stakeholders.get("salience")
    if salience and salience["matrix"] and salience["themes"]:
        keep(
            "salience",
            plots.salience_figure(
                salience["group_labels"],
                salience["theme_labels"],
                salience["matrix"],
                value_format="{:.0%}" if salience["is_share"] else "{:g}",
                counts=salience.get("counts"),
                totals=salience.get("totals"),
                min_statements=salience.get("min_statements", 0),
            ),
            "خريطة حرارية لبروز الموضوعات لدى كل فئة من أصحاب المصلحة",
        )
    positions = [p for p in stakeholders.get("positions") or [] if p["score"] is not None]
    if positions:
        rows = [{**p, "group": p["label"], "axis": p["axis_label"]} for p in positions]
        keep("positions", plots.positions_figure(rows), "مخطط مواقف أصحاب المصلحة مع فترات الثقة")
    trend = context.get("trend") or {}
    if trend.get("shown") and (trend["themes"] or trend["positions"]):
        positions_title = "مواقف أصحاب المصلحة"
        if trend.get("axis_label"):
            positions_title += f": {trend['axis_label']}"
        keep(
            "trend",
            plots.trend_figure(
                [(p["number"], p["tick"]) for p in trend["points"]],
                [(r["label"], r["values"]) for r in trend["themes"]],
                [(r["label"], r["values"]) for r in trend["positions"]],
                title="حصص الموضوعات عبر التشغيلات",
                positions_title=positions_title,
            ),
            "مخطط خطي لحصص الموضوعات ومواقف أصحاب المصلحة في كل تشغيل",
        )
    return made


# --------------------------------------------------------------------------- rendering


def build_context(
    folder: str | Path,
    *,
    taxonomy: dict[str, Any] | None = None,
    normalize: Callable[[str], str] | None = None,
    max_paragraphs: Annotated[int, Field(ge=1)] | None = DEFAULT_MAX_PARAGRAPHS,
    max_statements: Annotated[int, Field(ge=1)] | None = DEFAULT_MAX_STATEMENTS,
    highlight: bool = True,
    title: str | None = None,
    history_dir: str | Path | None = None,
) -> dict[str, Any]:
    """Everything the template shows, read from the result files in ``folder``.

    units.jsonl and statements.jsonl are streamed: only the first
    ``max_paragraphs`` paragraphs and ``max_statements`` statements (None: all)
    are kept, with counts of the rest.  ``history_dir`` is the output folder
    whose run history the trend section reads (default: ``folder``; inside a
    run, the real output folder).
    """
    folder = Path(folder)
    taxonomy = {**empty_taxonomy(), **(taxonomy or {})}
    info = result_json(folder)
    theme_rows = result_rows(folder, "themes")
    labels = {**THEME_FALLBACK, **taxonomy["labels"]}
    labels_en = dict(taxonomy["labels_en"])
    for row in theme_rows or []:  # themes.csv names the themes of the run, also when no taxonomy is at hand
        theme = row.get("theme") or ""
        labels.setdefault(theme, row.get("label_ar") or theme)
        labels_en.setdefault(theme, row.get("label_en") or "")
    groups = {**GROUP_FALLBACK, **taxonomy["groups"]}
    themes = sorted(t for t in labels if t not in THEME_FALLBACK)
    seeds = taxonomy.get("seeds") or {}
    matcher = SeedHighlighter(seeds, normalize) if highlight and seeds else None
    name = (info or {}).get("name") or folder.name
    context = {
        "title": title or f"تقرير التحليل: {name}",
        "name": name,
        "corpus": section_corpus(info),
        "themes": section_themes(
            theme_rows, labels, labels_en, (((info or {}).get("stages") or {}).get("themes") or {}).get("counts")
        ),
        "paragraphs": section_paragraphs(result_records(folder, "units"), matcher, labels, groups, max_paragraphs),
        "stakeholders": section_stakeholders(
            result_records(folder, "statements"),
            result_rows(folder, "positions"),
            result_rows(folder, "salience"),
            labels,
            groups,
            taxonomy["axes"],
            max_statements,
        ),
        "tables": section_tables(result_list(folder, "tables")),
        "candidates": section_candidates(result_list(folder, "candidates"), labels),
        "trend": section_trend(
            folder,
            Path(history_dir) if history_dir is not None else folder,
            info,
            labels,
            groups,
            taxonomy["axes"],
        ),
        "run": section_run(info),
        "seed_themes": sorted(seeds),
        "theme_filter": sorted((labels[t], t) for t in themes),
        "theme_colors": {t: i % len(PALETTE) for i, t in enumerate(themes)},
        "palette": PALETTE,
        "figures": {},
    }
    return context


def render(context: dict[str, Any]) -> str:
    """The report page for ``context`` (see :func:`build_context`)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("pipeline.stages.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["basename"] = lambda value: str(value).replace("\\", "/").rsplit("/", 1)[-1]
    env.filters["thousands"] = lambda value: f"{value:,}"  # 212345 -> 212,345
    env.filters["count_ar"] = count_ar  # {{ n | count_ar("وثيقة", "وثائق") }} -> «4 وثائق»
    return env.get_template(TEMPLATE).render(**context)


def write_report(
    folder: str | Path,
    config: Any = None,
    *,
    plots: bool = True,
    max_paragraphs: Annotated[int, Field(ge=1)] | None = DEFAULT_MAX_PARAGRAPHS,
    max_statements: Annotated[int, Field(ge=1)] | None = DEFAULT_MAX_STATEMENTS,
    highlight: bool = True,
    normalize: Callable[[str], str] | None = None,
    title: str | None = None,
    taxonomy: dict[str, Any] | None = None,
    history_dir: str | Path | None = None,
) -> dict[str, int]:
    """Write ``report.html`` (and ``plots/``) for the results in ``folder``; returns counts.

    ``config`` (a :class:`pipeline.config.Config`) supplies theme labels, seed
    terms and stakeholder labels from the YAML files its stages name
    (``taxonomy``, in the form :func:`config_labels` returns, overrides it).
    ``history_dir``: the output folder whose run history feeds the trend
    section (default ``folder``).  ``max_paragraphs`` / ``max_statements``:
    show at most this many (None: all); the page says how many it leaves out.
    """
    folder = Path(folder)
    context = build_context(
        folder,
        taxonomy=taxonomy if taxonomy is not None else config_labels(config),
        normalize=normalize,
        max_paragraphs=max_paragraphs,
        max_statements=max_statements,
        highlight=highlight,
        title=title,
        history_dir=history_dir,
    )
    if plots:
        context["figures"] = _figures(folder, context)
    atomic.write_text(folder / "report.html", render(context))
    items = context["paragraphs"]["entries"]
    return {
        "paragraphs": len(items),
        "highlights": sum(1 for p in items for s in p["segments"] if s["theme"]),
        "figures": len(context["figures"]),
        "tables": len(context["tables"]["entries"]),
        "sections_not_run": sum(
            1 for key in ("themes", "paragraphs", "stakeholders", "tables", "candidates") if not context[key]["ran"]
        ),
    }


@register("report", "html")
@dataclass
class HtmlReport(CorpusStage):
    """``report.html`` in the output folder: corpus and repairs, themes, paragraphs, stakeholders, tables, trend."""

    reads_results: ClassVar[bool] = True  # renders units.jsonl, statements.jsonl, run.json of this run

    plots: bool = True  # PNG + SVG into output/plots/ and charts in the page
    max_paragraphs: Annotated[int, Field(ge=1)] | None = (
        DEFAULT_MAX_PARAGRAPHS  # show the first this many paragraphs (null: all)
    )
    max_statements: Annotated[int, Field(ge=1)] | None = (
        DEFAULT_MAX_STATEMENTS  # show the first this many statements (null: all)
    )
    highlight: bool = True  # mark the seed terms of the theme taxonomy in the paragraph text
    title: str | None = None  # page title (default: "تقرير التحليل: <run name>")

    def apply(self, corpus: Any) -> dict[str, int]:
        return write_report(
            corpus.output,
            corpus.config,
            plots=self.plots,
            max_paragraphs=self.max_paragraphs,
            max_statements=self.max_statements,
            highlight=self.highlight,
            normalize=corpus.normalize,
            title=self.title,
            # corpus.output is the staging folder; the history lives in the real output folder
            history_dir=corpus.config.output if corpus.config is not None else corpus.output,
        )


def paragraph_numbers(html: str) -> list[int]:
    """The paragraph numbers the page's browser shows, in order (for tests and checks)."""
    return [int(n) for n in re.findall(r'<span class="num">(\d+)</span>', html)]
