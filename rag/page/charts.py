"""Bar charts drawn as inline SVG: every bar one value, the axis from 0, the value on hover.

The page draws its own charts (rather than Gradio's BarPlot) so that what is
drawn is exactly the data: a plotting library aggregates bars that share an x
value (two figures of one town became one bar of their sum), fits the y axis
to the data (a bar at the minimum vanished), and drew nothing when its first
data frame was empty. Each bar carries its place, series and value as data
attributes and a ``<title>`` (the browser's hover tooltip), so a test reads the
chart's data from the page. Everything is text-escaped: labels come from documents.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

PALETTE = ["#2563eb", "#d97706", "#059669", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d"]
W, H = 760, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 36, 64


@dataclass(frozen=True)
class Bar:
    """One value: the x group it stands in (a place), its series (figure · year · kind), its value."""

    group: str
    series: str
    value: float
    note: str = ""  # extra hover text (e.g. the source)


def nice_max(v: float) -> float:
    """The smallest 1/2/2.5/5 × 10^k at or above ``v`` (the top of the axis)."""
    if v <= 0:
        return 1.0
    base = 10 ** math.floor(math.log10(v))
    for m in (1, 2, 2.5, 5, 10):
        if v <= m * base + 1e-12:
            return m * base
    return 10 * base


def _fmt(v: float) -> str:
    return f"{v:g}"


def bar_chart(bars: list[Bar], title: str, y_title: str, y_max: float | None = None, empty: str = "没有可画的数据",
              series_order: list[str] | None = None, group_notes: dict[str, tuple[str, str]] | None = None) -> str:
    """Grouped bars as an SVG in a ``div.tb-chart``: one bar per (group, series), y from 0 to ``y_max``
    (below 0 only when a value is negative: a 下降 is drawn down from the zero line, not left out).
    ``series_order`` fixes the series' order and colours (a target is the same colour in every chart);
    ``group_notes`` puts a word (and its colour) under a group's name (完成 / 未完成 under a year)."""
    e = html.escape
    if not bars:
        return f"<div class='tb-chart'><p>{e(empty)}</p></div>"
    groups = list(dict.fromkeys(b.group for b in bars))
    series = list(dict.fromkeys([*(series_order or []), *(b.series for b in bars)]))
    top = y_max if y_max is not None else nice_max(max(b.value for b in bars))
    low = min(b.value for b in bars)
    bottom = -nice_max(-low) if low < 0 else 0.0
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM
    gw = pw / len(groups)

    def y_of(v: float) -> float:
        return TOP + ph * (top - v) / (top - bottom)

    out = [f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {W} {H}' width='{W}' height='{H}' "
           f"role='img' aria-label='{e(title)}' data-ymin='{_fmt(bottom)}' data-ymax='{_fmt(top)}'>",
           f"<text x='{W / 2}' y='18' text-anchor='middle' font-size='14' font-weight='600'>{e(title)}</text>"]
    for i in range(6):  # gridlines and tick labels, the axis's minimum (0 unless a value is negative) at the bottom
        v = bottom + (top - bottom) * i / 5
        y = y_of(v)
        out.append(f"<line x1='{LEFT}' x2='{W - RIGHT}' y1='{y:.1f}' y2='{y:.1f}' stroke='#e5e7eb'/>"
                   f"<text class='tb-ytick' x='{LEFT - 6}' y='{y + 4:.1f}' text-anchor='end' font-size='11'>{_fmt(round(v, 6))}</text>")
    out.append(f"<text class='tb-ytitle' transform='translate(14 {TOP + ph / 2}) rotate(-90)' text-anchor='middle' "
               f"font-size='12'>{e(y_title)}</text>")
    for gi, g in enumerate(groups):
        mine = [b for b in bars if b.group == g]
        bw = min(48.0, gw * 0.8 / len(mine))
        x0 = LEFT + gi * gw + (gw - bw * len(mine)) / 2
        for k, b in enumerate(mine):
            v = min(b.value, top)
            x, y = x0 + k * bw, min(y_of(v), y_of(0.0))
            h = abs(y_of(0.0) - y_of(v))
            color = PALETTE[series.index(b.series) % len(PALETTE)]
            hover = f"{b.group} · {b.series}：{_fmt(b.value)}" + (f"（{b.note}）" if b.note else "")
            out.append(f"<rect class='tb-bar' x='{x + 1:.1f}' y='{y:.1f}' width='{bw - 2:.1f}' height='{h:.1f}' "
                       f"fill='{color}' data-group='{e(b.group)}' data-place='{e(b.group)}' data-series='{e(b.series)}' "
                       f"data-value='{_fmt(b.value)}'><title>{e(hover)}</title></rect>")
            if bw >= 22:
                ty = y - 3 if b.value >= 0 else y + h + 11
                out.append(f"<text x='{x + bw / 2:.1f}' y='{ty:.1f}' text-anchor='middle' font-size='10'>{_fmt(b.value)}</text>")
        out.append(f"<text x='{LEFT + gi * gw + gw / 2:.1f}' y='{TOP + ph + 16}' text-anchor='middle' font-size='12'>"
                   f"{e(g[:14])}</text>")
        if group_notes and g in group_notes:
            word, color = group_notes[g]
            out.append(f"<text class='tb-note' data-group='{e(g)}' x='{LEFT + gi * gw + gw / 2:.1f}' y='{TOP + ph + 29}' "
                       f"text-anchor='middle' font-size='10' font-weight='600' fill='{e(color)}'>{e(word)}</text>")
    out.append(f"<line x1='{LEFT}' x2='{W - RIGHT}' y1='{y_of(0.0):.1f}' y2='{y_of(0.0):.1f}' stroke='#374151'/>")
    lx, ly = LEFT, H - 22  # legend: one swatch per series
    for si, s in enumerate(series[:8]):
        out.append(f"<rect x='{lx}' y='{ly - 9}' width='10' height='10' fill='{PALETTE[si % len(PALETTE)]}'/>"
                   f"<text x='{lx + 14}' y='{ly}' font-size='11'>{e(s[:24])}</text>")
        lx += 24 + 11 * min(len(s), 24)
        if lx > W - 120:
            lx, ly = LEFT, ly + 14
    out.append("</svg>")
    return f"<div class='tb-chart'>{''.join(out)}</div>"
