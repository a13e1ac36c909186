"""Charts drawn on the server as accessible SVG by pygal, each with the data table that
goes beside it (issue 15: "title, description, and a data table beside each chart — no
hand-positioned geometry").

pygal lays the chart out; this module only makes its SVG fit a page under Laurel's CSP:

- no script: pygal's tooltip script is not linked (`js=[]`) and the config script it
  always writes is removed, as is the tooltip group it would drive;
- no inline style attribute; the chart's stylesheet (prefixed by the chart's own id) is
  taken out of the SVG and handed to the page, which puts it in one `<style>` element
  allowed by its hash in the CSP (`web.content_security_policy(styles=...)`);
- accessible: `role="img"` with `aria-labelledby` naming the chart's `<title>` and
  `<desc>`; the same figures are in a real HTML table (caption, column and row headers);
- tooltips without script: a chart given `tooltips` (one text per label) gets each bar's
  text as the SVG `<title>` of the bar's group, which the browser itself shows on hover.

pygal (and lxml) load on the first chart: the verification path never imports them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .. import i18n
from ..i18n import N_, _

HIDDEN = N_("fewer than 5")  # a hidden group, in the page's language where shown (issue 19)
WIDTH, HEIGHT = 640, 360  # the viewBox: the chart scales to its column (text stays legible on a phone)
# Laurel's palette (laurel.css): each colour has at least 3:1 contrast against white.
COLOURS = ("#2c4fb8", "#176b3a", "#a11b1b", "#8a4b00", "#4a5568", "#6b3fa0", "#00677a", "#8c2a5b", "#1d2433")
MAX_X_LABELS = 14
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'
SIZE_CSS = "{id}{{width:100%;height:auto;max-width:{w}px;display:block}}"


@dataclass(frozen=True)
class Chart:
    """A chart and its table. `svg` is markup to embed as is; `css` goes in the page's head."""

    id: str
    title: str
    description: str
    svg: str
    css: str
    columns: list[str]  # the table's column headers: the row header's, then one per series
    rows: list[tuple[str, list[str]]]  # (row header, cells)
    links: tuple[str | None, ...] = ()  # where each row header leads (a template's own dashboard), if anywhere


def _style(colours: Sequence[str] = COLOURS) -> Any:
    from pygal.style import Style

    return Style(background="#ffffff", plot_background="#ffffff", foreground="#1d2433",
                 foreground_strong="#1d2433", foreground_subtle="#4a5568", opacity=".9", opacity_hover="1",
                 colors=tuple(colours), font_family=FONT, label_font_size=15, major_label_font_size=15,
                 legend_font_size=16, title_font_size=17, value_font_size=15, tooltip_font_size=15)


def number(value: int | float, digits: int = 0) -> str:
    """A figure in the page's language ("1,234.5" in English, "1.234,5" in German), with
    exactly `digits` decimals (Babel's pattern: i18n.format_number drops trailing zeros)."""
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=i18n.current())


def _cell(value: int | float | None) -> str:
    if value is None:
        return _(HIDDEN)
    return number(value) if isinstance(value, int) else number(value, 1)


def _accessible(chart_id: str, title: str, description: str, css: list[str]) -> Any:
    """The XML filter run on pygal's tree before it is serialised (see the module's notes)."""

    def fix(root: Any) -> Any:
        def name(node: Any) -> str:  # pygal's elements carry no namespace in their tags; comments have none
            return node.tag.rsplit("}", 1)[-1] if isinstance(node.tag, str) else ""

        for node in list(root.iter()):
            parent = node.getparent()
            if parent is None:
                continue
            tag = name(node)
            if not tag:  # comments (pygal's banner, with the day it drew the chart)
                parent.remove(node)
            elif tag == "script":
                parent.remove(node)
            elif tag == "style":
                css.append(node.text or "")
                parent.remove(node)
            elif tag == "desc" and node.get("class") == "label" and name(parent) == "g":
                # a value's label (`tooltips`): the group's <title>, the browser's own tooltip
                tip = parent.makeelement("title", {})
                tip.text = node.text
                parent.remove(node)
                parent.insert(0, tip)
            elif tag == "desc" or "tooltip" in (node.get("class") or "").split():
                parent.remove(node)  # the tooltip and its script's data (value, x, y of each bar)
            elif tag == "title" and parent is root:
                parent.remove(node)  # written again below, with an id
            elif "style" in node.attrib:
                del node.attrib["style"]
        for node in [n for n in root if name(n) == "defs" and len(n) == 0]:
            root.remove(node)
        root.set("role", "img")
        root.set("aria-labelledby", f"{chart_id}-title {chart_id}-desc")
        heading = root.makeelement("title", {"id": f"{chart_id}-title"})
        heading.text = title
        desc = root.makeelement("desc", {"id": f"{chart_id}-desc"})
        desc.text = description
        root.insert(0, desc)
        root.insert(0, heading)
        return root

    return fix


def _draw(kind: str, chart_id: str, title: str, description: str, labels: Sequence[str],
          series: Mapping[str, Sequence[int | float | None]], tooltips: Sequence[str] = (),
          colours: Sequence[str] = COLOURS, **options: Any) -> tuple[str, str]:
    import pygal

    # no title drawn inside the chart: the page's heading says it (and the SVG's <title> names it);
    # `options` (pygal's own) may override any of these
    config: dict[str, Any] = dict(
        width=WIDTH, height=HEIGHT, style=_style(colours), js=[], disable_xml_declaration=True,
        explicit_size=False, legend_at_bottom=True, legend_at_bottom_columns=2, truncate_legend=-1,
        truncate_label=-1, x_label_rotation=30 if len(labels) > 8 else 0, print_values=False,
        # a year of weeks: every n-th week's label, so that they do not run into each other
        show_minor_x_labels=len(labels) <= MAX_X_LABELS, x_labels_major_every=-(-len(labels) // MAX_X_LABELS),
        no_data_text=_("No data in this range"), include_x_axis=True)
    chart = getattr(pygal, kind)(**{**config, **options})
    chart.uuid = chart_id  # the CSS prefix and the root's id: #chart-<chart_id> (pygal's default is random)
    css: list[str] = []
    chart.add_xml_filter(_accessible(chart_id, title, description, css))
    # pygal draws a horizontal chart's first label at the bottom: reversed, it reads top down like the table
    order = (lambda xs: list(reversed(xs))) if kind.startswith("Horizontal") else list
    chart.x_labels = order(labels)
    for name, values in series.items():
        if tooltips:  # pygal writes a value's label into the bar's group; the filter makes it its <title>
            chart.add(name, order([{"value": v, "label": tip} for v, tip in zip(values, tooltips, strict=True)]))
        else:
            chart.add(name, order(values))
    svg = chart.render(is_unicode=True)
    sized = SIZE_CSS.format(id=f"#chart-{chart_id}", w=WIDTH)
    return svg, "\n".join([*css, sized])


def chart(kind: str, chart_id: str, title: str, description: str, labels: Sequence[str],
          series: Mapping[str, Sequence[int | float | None]], *, first_column: str,
          links: Sequence[str | None] = (), tooltips: Sequence[str] = (), colours: Sequence[str] = COLOURS,
          **options: Any) -> Chart:
    """A pygal chart (`kind`: Bar, HorizontalBar, Line, StackedBar ...) of `series` over
    `labels`, and its table: one row per label, one column per series. A value of None
    is a hidden group: no bar is drawn for it and the table says "fewer than 5".
    `tooltips`: one text per label, shown on hover over any of that label's bars;
    `colours`: the series' colours, in order; `options`: pygal's own (y_title, range ...)."""
    svg, css = _draw(kind, chart_id, title, description, labels, series, tooltips, colours, **options)
    rows = [(label, [_cell(values[i]) for values in series.values()]) for i, label in enumerate(labels)]
    return Chart(chart_id, title, description, svg, css, [first_column, *series], rows, tuple(links))


def page_css(charts: Sequence[Chart]) -> str:
    """One stylesheet for every chart of a page (each rule is prefixed by its chart's id)."""
    return "\n".join(c.css for c in charts)
