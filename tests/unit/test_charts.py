"""Charts drawn by pygal (web/charts.py): accessible SVG that fits the console's CSP, and
its table; a hidden group (None) is neither drawn nor written (issue 15 items 2 and 5)."""

from __future__ import annotations

import re

from chalicelib.web import charts


def _chart(values):
    return charts.chart("Bar", "weeks", "Credentials per week", "Issued in each week.", ["2026-W01", "2026-W02"],
                        {"Issued": values}, first_column="Week")


def test_the_svg_names_its_title_and_description_and_carries_no_script_or_inline_style():
    c = _chart([12, 7])
    root = re.match(r"<svg [^>]*>", c.svg).group(0)
    assert 'role="img"' in root and 'aria-labelledby="weeks-title weeks-desc"' in root and 'id="chart-weeks"' in root
    assert '<title id="weeks-title">Credentials per week</title><desc id="weeks-desc">Issued in each week.</desc>' \
        in c.svg
    assert "<script" not in c.svg and "<style" not in c.svg and "style=" not in c.svg and "<!--" not in c.svg
    assert "#chart-weeks .color-0" in c.css  # pygal's stylesheet, prefixed by the chart's id, for the page's head
    assert c.columns == ["Week", "Issued"] and c.rows == [("2026-W01", ["12"]), ("2026-W02", ["7"])]


def test_a_hidden_group_is_not_drawn_and_the_table_says_fewer_than_5():
    shown, hidden = _chart([12, 7]), _chart([12, None])
    bars = re.compile(r'<rect [^>]*class="rect reactive tooltip-trigger"')
    assert len(bars.findall(shown.svg)) == 2 and len(bars.findall(hidden.svg)) == 1
    assert hidden.rows == [("2026-W01", ["12"]), ("2026-W02", ["fewer than 5"])]


def test_a_horizontal_chart_lists_its_first_label_at_the_top_like_its_table():
    c = charts.chart("HorizontalBar", "funnel", "Acceptance funnel", "d", ["Issued", "Accepted"],
                     {"Credentials": [10, 4]}, first_column="Stage")
    labels = re.findall(r'<text [^>]*y="([0-9.]+)"[^>]*>(Issued|Accepted)</text>', c.svg)
    assert sorted(labels, key=lambda pair: float(pair[0]))[0][1] == "Issued"
    assert c.rows == [("Issued", ["10"]), ("Accepted", ["4"])]


def test_a_label_is_text_in_the_svg_never_markup():
    c = charts.chart("HorizontalBar", "top", "Top templates", "d", ['<script>alert(1)</script>&"'],
                     {"Issued": [5]}, first_column="Template")
    assert "<script>" not in c.svg and "&lt;script&gt;alert(1)&lt;/script&gt;&amp;" in c.svg


def test_a_year_of_weeks_labels_every_few_weeks_and_keeps_every_row_in_the_table():
    labels = [f"2026-W{i:02d}" for i in range(1, 54)]
    c = charts.chart("Bar", "year", "t", "d", labels, {"Issued": list(range(53))}, first_column="Week")
    assert len(re.findall(r">2026-W\d\d</text>", c.svg)) <= charts.MAX_X_LABELS
    assert [row[0] for row in c.rows] == labels
