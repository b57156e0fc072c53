"""Matplotlib figures of a run: theme shares, stakeholder salience, stakeholder positions, the trend across runs.

Arabic labels must come out shaped (letters joined) and in right-to-left order.
Matplotlib >= 3.11 lays text out itself with libraqm, so it must get *logical*
text; older versions draw code points one by one, so they need the text
pre-shaped by arabic-reshaper and reordered by python-bidi.  :func:`arabic_label`
probes which case applies once and does the right thing; feeding pre-shaped
text to a shaping matplotlib would print every word backwards.

Figures are built with :class:`matplotlib.figure.Figure` (no pyplot, no global
state, no GUI backend) under fixed rc settings, and saved with fixed metadata,
so the same data gives byte-identical PNG and SVG files.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline import atomic
from pipeline.outputs import number

FONT = "DejaVu Sans"  # ships with matplotlib and has Arabic glyphs (presentation forms + GSUB)

# Fixed rc settings: text as paths in SVG (self-contained, no font needed by the
# viewer) and a fixed hash salt so SVG ids do not change between runs.
RC: dict[str, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": [FONT],
    "svg.fonttype": "path",
    "svg.hashsalt": "fixed",
    "axes.unicode_minus": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 12,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 10,
}
PNG_METADATA = {"Software": None}
SVG_METADATA = {"Date": None, "Creator": None}
DPI = 150

SHARE_AXIS = "حصة الفقرات · share of paragraphs"
ACCENT = "#2f6f8f"
NEGATIVE = "#b5543c"
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")


@functools.cache
def matplotlib_shapes_text() -> bool:
    """True when matplotlib shapes and orders complex scripts itself (libraqm).

    Probe: three joined behs are much narrower than three isolated ones, so a
    matplotlib that shapes measures «ببب» exactly as wide as its pre-shaped form.
    """
    import arabic_reshaper
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    measure = TextToPath().get_text_width_height_descent
    prop = FontProperties(family=FONT)
    logical = "ببب"
    return measure(logical, prop, False)[0] == measure(arabic_reshaper.reshape(logical), prop, False)[0]


def arabic_label(text: Any) -> str:
    """Text ready for a matplotlib label: shaped and in display order where it has Arabic."""
    text = "" if text is None else str(text)
    if not _ARABIC.search(text) or matplotlib_shapes_text():
        return text
    import arabic_reshaper
    from bidi.algorithm import get_display

    return get_display(arabic_reshaper.reshape(text))


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def _rc():
    import matplotlib

    return matplotlib.rc_context(RC)


def _mirror(ax) -> None:
    """Lay an axes out right to left: categories on the right, values growing leftwards."""
    ax.yaxis.tick_right()
    ax.yaxis.set_label_position("right")
    ax.spines["right"].set_visible(True)
    ax.spines["left"].set_visible(False)


def theme_shares_figure(
    labels: Sequence[Any],
    shares: Sequence[float],
    title: str = "حصة الموضوعات من الفقرات · Theme shares",
    rtl: bool = True,
):
    """Horizontal bars: the share of paragraphs in each theme (largest on top); ``rtl``: bars grow leftwards."""
    pairs = [(arabic_label(label), float(share)) for label, share in zip(labels, shares, strict=True)]
    with _rc():
        fig = _figure(7.5, 0.45 * max(len(pairs), 1) + 1.2)
        ax = fig.add_subplot()
        if pairs:
            names = [name for name, _ in reversed(pairs)]
            values = [value for _, value in reversed(pairs)]
            ax.barh(range(len(pairs)), values, color=ACCENT)
            ax.set_yticks(range(len(pairs)), names)
            limit = max(max(values) * 1.18, 0.05)
            # Each value stands just past its bar's end, away from the theme names: a 0% bar has no
            # end for matplotlib's bar_label to push the text from, so it would print over the name.
            for row, value in enumerate(values):
                ax.text(
                    value + 0.015 * limit, row, f"{value:.0%}", va="center", ha="right" if rtl else "left", fontsize=9
                )
            ax.set_xlim(0, limit)
        if rtl:
            ax.invert_xaxis()
            _mirror(ax)
        ax.xaxis.set_major_formatter(_percent_formatter())
        ax.set_xlabel(arabic_label(SHARE_AXIS))
        ax.set_title(arabic_label(title))
    return fig


def salience_figure(
    groups: Sequence[Any],
    themes: Sequence[Any],
    matrix: Sequence[Sequence[float]],
    title: str = "بروز الموضوعات لدى أصحاب المصلحة · Theme salience by group",
    value_format: str = "{:.0%}",
    rtl: bool = True,
    counts: Sequence[Sequence[int]] | None = None,
    totals: Sequence[int] | None = None,
    min_statements: int = 0,
):
    """Heat map: rows are stakeholder groups, columns themes, cells e.g. the share of a group's statements.

    ``rtl``: the first theme is the rightmost column and group names stand on
    the right, as in the report's right-to-left table.  ``counts`` (group x theme
    statements) and ``totals`` (statements per group), when given, are printed in the
    cells («67%» over «2/3») and group labels («(n=3)»), and the rows of groups with fewer
    than ``min_statements`` statements are greyed out.
    """
    rows = [[float(v) for v in row] for row in matrix]
    themes = list(themes)
    count_rows = [list(r) for r in counts] if counts is not None else None
    if rtl:
        themes = themes[::-1]
        rows = [row[::-1] for row in rows]
        count_rows = [row[::-1] for row in count_rows] if count_rows is not None else None
    few = [totals is not None and t < min_statements for t in (totals or [0] * len(rows))]
    if totals is not None:
        groups = [f"{g} (n={t})" for g, t in zip(groups, totals, strict=True)]
    with _rc():
        fig = _figure(max(5.0, 0.9 * len(themes) + 2.5), 0.5 * max(len(groups), 1) + 1.8)
        ax = fig.add_subplot()
        if rows and rows[0]:
            top = max(max(row) for row in rows) or 1.0
            image = ax.imshow(rows, cmap="Blues", vmin=0, vmax=top, aspect="auto")
            ax.set_xticks(range(len(themes)), [arabic_label(t) for t in themes], rotation=30, ha="right")
            ax.set_yticks(range(len(groups)), [arabic_label(g) for g in groups])
            for i, row in enumerate(rows):
                if few[i]:  # too few statements for a share to mean much
                    ax.axhspan(i - 0.5, i + 0.5, color="#d9d9d9", zorder=2)
                for j, value in enumerate(row):
                    text = value_format.format(value)
                    if count_rows is not None and totals is not None:
                        text += f"\n{count_rows[i][j]}/{totals[i]}"
                    ax.text(
                        j,
                        i,
                        text,
                        ha="center",
                        va="center",
                        fontsize=8 if count_rows is None else 7,
                        color="#6b6b6b" if few[i] else ("white" if value > 0.6 * top else "#1b1b1b"),
                        zorder=3,
                    )
            fig.colorbar(
                image,
                ax=ax,
                shrink=0.8,
                location="left" if rtl else "right",
                format=_percent_formatter() if "%" in value_format else None,
            )
            if rtl:
                ax.yaxis.tick_right()
            ax.spines[:].set_visible(False)
        ax.set_title(arabic_label(title))
    return fig


def positions_figure(
    rows: Sequence[dict[str, Any]], title: str = "مواقف أصحاب المصلحة (فترات الثقة 95٪) · Positions, 95% intervals"
):
    """Dot-and-whisker chart: each group's score on each axis with its confidence interval.

    ``rows`` are mappings with ``group``, ``axis``, ``score`` and optionally
    ``ci_low``/``ci_high`` and ``n_scored`` (printed as «n=…» beside the whisker);
    one panel per axis, groups in the order given.
    """
    axes_names: list[str] = []
    for row in rows:
        if str(row["axis"]) not in axes_names:
            axes_names.append(str(row["axis"]))
    groups: list[str] = []
    for row in rows:
        if str(row["group"]) not in groups:
            groups.append(str(row["group"]))
    with _rc():
        fig = _figure(7.5, (0.42 * max(len(groups), 1) + 1.1) * max(len(axes_names), 1) + 0.5)
        panels = fig.subplots(max(len(axes_names), 1), 1, squeeze=False, sharex=True)[:, 0]
        for panel, axis_name in zip(panels, axes_names or [""], strict=True):
            mine = {str(r["group"]): r for r in rows if str(r["axis"]) == axis_name}
            for y, group in enumerate(reversed(groups)):
                row = mine.get(group)
                if row is None or number(row.get("score")) is None:
                    continue
                score = number(row["score"])
                low, high = number(row.get("ci_low")), number(row.get("ci_high"))
                color = ACCENT if score >= 0 else NEGATIVE
                if low is not None and high is not None:
                    panel.plot([low, high], [y, y], color=color, linewidth=2.2, alpha=0.55, solid_capstyle="round")
                panel.plot([score], [y], "o", color=color, markersize=7)
                n = number(row.get("n_scored"))
                if n is not None:
                    panel.annotate(
                        f"n={int(n)}",
                        (high if high is not None else score, y),
                        xytext=(6, 0),
                        textcoords="offset points",
                        va="center",
                        fontsize=8,
                        color="#555555",
                    )
            panel.axvline(0, color="#777777", linewidth=0.8, linestyle="--")
            panel.set_yticks(range(len(groups)), [arabic_label(g) for g in reversed(groups)])
            panel.set_ylim(-0.6, len(groups) - 0.4)
            panel.set_title(arabic_label(axis_name), fontsize=10, loc="right")
        panels[0].figure.suptitle(arabic_label(title), fontsize=12)
    return fig


def trend_figure(
    runs: Sequence[tuple[float, str]],
    themes: Sequence[tuple[Any, Sequence[float | None]]],
    positions: Sequence[tuple[Any, Sequence[float | None]]] = (),
    title: str = "الاتجاه عبر التشغيلات · Trend across runs",
    positions_title: str = "مواقف أصحاب المصلحة",
):
    """Line chart across runs: theme shares (top panel) and, when given, position scores (bottom panel).

    ``runs`` are ``(x, tick label)`` per run in order, e.g. ``(3, "#3\\n2026-01-19")``;
    ``themes`` and ``positions`` are ``(label, values)`` with one value per run
    (None where the run has no value for that key).  One line per key; a run
    without a value leaves a gap.
    """
    xs = [float(x) for x, _ in runs]
    panels_data = [(themes, arabic_label(title), True)]
    if positions:
        panels_data.append((positions, arabic_label(positions_title), False))
    n_lines = max(len(themes), len(positions))
    with _rc():
        fig = _figure(7.5, 2.2 * len(panels_data) + 0.9 + 0.1 * max(n_lines - 6, 0))
        panels = fig.subplots(len(panels_data), 1, squeeze=False, sharex=True)[:, 0]
        for panel, (series, panel_title, is_share) in zip(panels, panels_data, strict=True):
            colors = _line_colors(len(series))
            for (label, values), color in zip(series, colors, strict=True):
                ys = [v if v is not None else float("nan") for v in (number(v) for v in values)]
                panel.plot(xs, ys, "o-", color=color, linewidth=1.6, markersize=4, label=arabic_label(label))
            if is_share:
                panel.yaxis.set_major_formatter(_percent_formatter())
                panel.set_ylim(bottom=0)
            else:
                panel.axhline(0, color="#777777", linewidth=0.8, linestyle="--")
            panel.set_title(panel_title, fontsize=10, loc="right")
            panel.grid(axis="y", color="#e4e4e4", linewidth=0.6)
            if series:
                panel.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
        bottom = panels[-1]
        if len(runs) <= 12:
            bottom.set_xticks(xs, [label for _, label in runs])
            if len(runs) > 5:  # two-line labels («#3», the day) run into each other beyond five
                bottom.tick_params(axis="x", labelrotation=35, labelsize=7)
        else:  # too many runs to name each: whole run numbers, chosen by matplotlib
            from matplotlib.ticker import MaxNLocator

            bottom.xaxis.set_major_locator(MaxNLocator(nbins=10, integer=True))
        if xs:
            pad = 0.3 if len(xs) > 1 else 0.5
            bottom.set_xlim(min(xs) - pad, max(xs) + pad)
    return fig


def _line_colors(n: int) -> list[Any]:
    """Distinct, fixed line colours: tab10, or tab20 for more than ten lines (cycling beyond)."""
    from matplotlib import colormaps

    cmap = colormaps["tab10" if n <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(n)]


def _percent_formatter():
    from matplotlib.ticker import PercentFormatter

    # decimals as the ticks need: with decimals=0 ticks at 2.5% and 7.5% read «2%» and «8%»
    return PercentFormatter(xmax=1.0, decimals=None)


def figure_bytes(fig, fmt: str) -> bytes:
    """The figure as PNG or SVG bytes, with fixed metadata (byte-identical for the same figure)."""
    buffer = io.BytesIO()
    metadata = PNG_METADATA if fmt == "png" else SVG_METADATA
    with _rc():
        fig.savefig(buffer, format=fmt, dpi=DPI, metadata=metadata)
    return buffer.getvalue()


def save_figure(fig, folder: str | Path, stem: str) -> dict[str, Any]:
    """Write ``stem.png`` and ``stem.svg`` into ``folder`` (atomically); returns paths and the SVG bytes."""
    folder = Path(folder)
    png, svg = figure_bytes(fig, "png"), figure_bytes(fig, "svg")
    atomic.write_bytes(folder / f"{stem}.png", png)
    atomic.write_bytes(folder / f"{stem}.svg", svg)
    return {"png": folder / f"{stem}.png", "svg": folder / f"{stem}.svg", "svg_bytes": svg}
