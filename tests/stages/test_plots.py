"""Charts: Arabic labels come out shaped and right to left; files are byte-identical for the same data.

The shaping test reads the glyphs matplotlib actually drew (SVG ``<use>``
references, mapped back to characters through the font's cmap), so it holds
whichever way the shaping happens (libraqm in matplotlib >= 3.11, or
arabic-reshaper + python-bidi before that).
"""

from __future__ import annotations

import re
from html import unescape

import arabic_reshaper
import pytest

from pipeline.stages.report import plots

WORD = "الحكومات"
# The word's letters in the forms a joined rendering uses, in logical order:
# alef isolated, lam initial, hah medial, kaf medial, waw final, meem initial, alef final, teh isolated.
JOINED = [0xFE8D, 0xFEDF, 0xFEA4, 0xFEDC, 0xFEEE, 0xFEE3, 0xFE8E, 0xFE95]
# What may be drawn for each: an isolated letter may also be drawn with its base letter's glyph.
ACCEPTED = [{0xFE8D, 0x0627}, {0xFEDF}, {0xFEA4}, {0xFEDC}, {0xFEEE}, {0xFEE3}, {0xFE8E}, {0xFE95, 0x062A}]
# Isolated forms of the letters that must be joined here (lam, hah, kaf, meem): their presence means no shaping.
ISOLATED = {0xFEDD, 0xFEA1, 0xFED9, 0xFEE1, 0x0644, 0x062D, 0x0643, 0x0645}


def _font_codepoints() -> dict[int, set[int]]:
    """glyph index -> the code points DejaVu Sans maps to it."""
    from matplotlib.font_manager import FontProperties, findfont, get_font

    font = get_font(findfont(FontProperties(family=plots.FONT)))
    out: dict[int, set[int]] = {}
    for codepoint, glyph in font.get_charmap().items():
        out.setdefault(glyph, set()).add(codepoint)
    return out


def drawn_glyphs(svg: str, text: str) -> list[set[int]]:
    """The code points of the glyphs drawn for ``text``, left to right, from an SVG with text as paths."""
    groups = re.findall(r"<g id=\"text_\d+\">\s*<!-- (.*?) -->(.*?)</g>\s*</g>", svg, re.S)
    body = next(body for label, body in groups if unescape(label) == text)
    uses = re.findall(r'<use xlink:href="#([^"]+)"(?: transform="translate\(([-\d.]+)[ ,)])?', body)
    glyph_map = _font_codepoints()
    placed = []
    for ref, x in uses:
        index = int(ref.rsplit("-", 1)[1], 16)
        placed.append((float(x or 0.0), glyph_map.get(index, set())))
    return [codepoints for _, codepoints in sorted(placed, key=lambda item: item[0])]


def test_rendered_arabic_label_is_shaped_and_right_to_left():
    fig = plots.theme_shares_figure([WORD, "Access"], [0.5, 0.25], title=WORD + " ")
    svg = plots.figure_bytes(fig, "svg").decode("utf-8")
    label = plots.arabic_label(WORD)
    glyphs = drawn_glyphs(svg, label)
    assert len(glyphs) == len(JOINED)
    # drawn left to right = the logical order reversed (right to left), each letter in its joined form
    for drawn, wanted in zip(glyphs, reversed(ACCEPTED), strict=True):
        assert drawn & wanted, f"expected {[f'U+{c:04X}' for c in sorted(wanted)]}, drew {sorted(drawn)}"
    assert not any(drawn & ISOLATED for drawn in glyphs[1:-1]), "isolated forms where joined ones belong"


def test_arabic_label_for_a_matplotlib_that_does_not_shape(monkeypatch):
    plots.matplotlib_shapes_text.cache_clear()
    monkeypatch.setattr(plots, "matplotlib_shapes_text", lambda: False)
    shaped = plots.arabic_label(WORD)
    assert [ord(c) for c in shaped] == list(reversed(JOINED))  # presentation forms in visual order
    assert plots.arabic_label("Civil society") == "Civil society"
    mixed = plots.arabic_label("الحكومات 2010")
    assert "2010" in mixed and arabic_reshaper.reshape("الحكومات")[::-1] in mixed


def test_arabic_label_for_a_matplotlib_that_shapes(monkeypatch):
    monkeypatch.setattr(plots, "matplotlib_shapes_text", lambda: True)
    assert plots.arabic_label(WORD) == WORD  # logical text: matplotlib shapes it; pre-shaping would reverse it
    assert plots.arabic_label(None) == ""


def test_probe_agrees_with_the_installed_matplotlib():
    import matplotlib

    plots.matplotlib_shapes_text.cache_clear()
    assert plots.matplotlib_shapes_text() == ("text.language" in matplotlib.rcParams)


def _figures():
    return {
        "themes": plots.theme_shares_figure(["الأمن", "التنمية"], [0.25, 0.75]),
        "salience": plots.salience_figure(["الحكومات", "civil society"], ["الأمن", "التنمية"], [[0.5, 0.5], [0, 1]]),
        "positions": plots.positions_figure(
            [
                {"group": "الحكومات", "axis": "محور", "score": -0.4, "ci_low": -0.7, "ci_high": -0.1},
                {"group": "القطاع الخاص", "axis": "محور", "score": 1.0, "ci_low": None, "ci_high": ""},
                {"group": "الحكومات", "axis": "axis 2", "score": None},
            ]
        ),
        "trend": plots.trend_figure(
            [(1, "#1\n2026-01-05"), (2, "#2\n2026-01-12"), (4, "#4\n2026-01-26")],
            [("الأمن", [0.5, 0.4, None]), ("التنمية", [0.25, 0.35, 0.3])],
            [("الحكومات", [0.4, 0.1, -0.2])],
        ),
    }


def test_files_are_byte_identical_and_carry_no_date(tmp_path):
    first = {name: plots.save_figure(fig, tmp_path / "a", name) for name, fig in _figures().items()}
    second = {name: plots.save_figure(fig, tmp_path / "b", name) for name, fig in _figures().items()}
    for name in first:
        for kind in ("png", "svg"):
            assert first[name][kind].read_bytes() == second[name][kind].read_bytes(), f"{name}.{kind}"
        svg = first[name]["svg"].read_text(encoding="utf-8")
        assert "<dc:date>" not in svg and "Matplotlib v" not in svg
        assert first[name]["png"].read_bytes().startswith(b"\x89PNG")
        assert b"matplotlib version" not in first[name]["png"].read_bytes().lower()


def test_positions_panels_and_intervals():
    fig = _figures()["positions"]
    axes = fig.axes
    assert len(axes) == 2  # one panel per axis
    first = axes[0]
    interval = [line for line in first.get_lines() if len(line.get_xdata()) == 2 and line.get_linestyle() == "-"]
    assert [list(line.get_xdata()) for line in interval] == [[-0.7, -0.1]]  # only the group with an interval
    points = [line for line in first.get_lines() if line.get_marker() == "o"]
    assert sorted(float(p.get_xdata()[0]) for p in points) == [-0.4, 1.0]


def test_rtl_layout_mirrors_the_axes():
    fig = plots.theme_shares_figure(["a", "b"], [0.2, 0.4])
    ax = fig.axes[0]
    left, right = ax.get_xlim()
    assert left > right  # bars grow leftwards
    assert ax.yaxis.get_ticks_position() == "right"
    heat = plots.salience_figure(["g"], ["first", "second"], [[0.1, 0.9]])
    labels = [t.get_text() for t in heat.axes[0].get_xticklabels()]
    assert labels == ["second", "first"]  # the first theme is the rightmost column


def test_salience_cells_show_their_counts_and_rows_of_few_statements_are_greyed():
    """A 100% cell made of one statement must say so (issue 16): «67%» over «2/3», «(n=3)» by the group,
    and a group with fewer than ``min_statements`` statements greyed out."""
    heat = plots.salience_figure(
        ["الحكومات", "غير محدد"],
        ["الأمن", "التنمية"],
        [[1.0, 0.0], [0.25, 0.75]],
        counts=[[1, 0], [1, 3]],
        totals=[1, 4],
        min_statements=3,
    )
    ax = heat.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert "0%\n0/1" in texts and "100%\n1/1" in texts and "75%\n3/4" in texts
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        plots.arabic_label(g) for g in ("الحكومات (n=1)", "غير محدد (n=4)")
    ]
    grey = [p for p in ax.patches if p.get_facecolor()[:3] == pytest.approx((0xD9 / 255,) * 3)]
    assert len(grey) == 1 and grey[0].get_y() == pytest.approx(-0.5)  # the first row only (1 statement)
    assert {t.get_color() for t in ax.texts if t.get_position()[1] == 0} == {"#6b6b6b"}


@pytest.mark.parametrize("shares", [[], [0.0]])
def test_degenerate_data_still_draws(shares):
    fig = plots.theme_shares_figure(["x"][: len(shares)], shares)
    assert plots.figure_bytes(fig, "png").startswith(b"\x89PNG")
    assert plots.figure_bytes(plots.salience_figure([], [], []), "svg").startswith(b"<?xml")
    assert plots.figure_bytes(plots.positions_figure([]), "png").startswith(b"\x89PNG")
    assert plots.figure_bytes(plots.trend_figure([(1, "#1")], [("x", [shares[0] if shares else None])]), "png")


def test_trend_lines_ticks_and_gaps():
    fig = _figures()["trend"]
    themes, positions = fig.axes[:2]
    assert [t.get_text() for t in themes.get_legend().get_texts()] == [
        plots.arabic_label("الأمن"),
        plots.arabic_label("التنمية"),
    ]
    security = themes.get_lines()[0]
    assert list(security.get_xdata()) == [1.0, 2.0, 4.0]  # x is the run number
    assert security.get_ydata()[:2].tolist() == [0.5, 0.4] and security.get_ydata()[2] != security.get_ydata()[2]
    assert [t.get_text() for t in positions.get_xticklabels()] == ["#1\n2026-01-05", "#2\n2026-01-12", "#4\n2026-01-26"]
    assert any(line.get_linestyle() == "--" for line in positions.get_lines())  # the zero line
    only_themes = plots.trend_figure([(1, "#1"), (2, "#2")], [("a", [0.1, 0.2])])
    assert len(only_themes.axes) == 1
    many = plots.trend_figure([(i, f"#{i}") for i in range(1, 31)], [("a", [i / 30 for i in range(30)])])
    ticks = [t for t in many.axes[0].get_xticks() if 1 <= t <= 30]
    assert 2 <= len(ticks) <= 11 and all(t == int(t) for t in ticks)  # thinned, whole run numbers


def test_share_ticks_say_their_own_value():
    # ticks at 2.5% steps read «2%», «8%» with a formatter of no decimals (new-user trial)
    fig = plots.trend_figure(
        [(i, f"#{i}\n2026-12-01") for i in range(1, 8)], [("a", [0.0, 0.05, 0.15, 0.1, 0.02, 0.07, 0.12])]
    )
    fig.canvas.draw()
    axis = fig.axes[0]
    for value, label in zip(axis.get_yticks(), axis.get_yticklabels(), strict=True):
        if label.get_text():
            assert float(label.get_text().rstrip("%").replace("\u2212", "-")) == pytest.approx(value * 100), label
    assert all(t.get_rotation() > 0 for t in axis.get_xticklabels())  # seven dated runs: labels slanted


@pytest.mark.parametrize("rtl", [True, False])
def test_zero_share_labels_do_not_overlap_theme_names(rtl: bool) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = plots.theme_shares_figure(["الحوكمة", "الأمن السيبراني", "التنمية"], [0.42, 0.0, 0.0], rtl=rtl)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    ax = fig.axes[0]
    names = [t.get_window_extent(renderer) for t in ax.get_yticklabels() if t.get_text()]
    values = {t.get_text(): t.get_window_extent(renderer) for t in ax.texts}
    zero = [t.get_window_extent(renderer) for t in ax.texts if t.get_text() == "0%"]
    assert len(zero) == 2 and "42%" in values
    assert not any(z.overlaps(n) for z in zero for n in names)
    assert "share of paragraphs" in ax.get_xlabel() and "Theme shares" in ax.get_title()
