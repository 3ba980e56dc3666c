"""Small charts drawn on the server as SVG: no JavaScript, no external resources.

Pure functions of plain values (no Flask, no database): the caller passes the data, the
already translated words, and a formatter for the numbers. Every chart is an
``<svg role="img">`` named by its ``<title>`` and described by a ``<desc>`` that reads
every value out, so a screen reader (or a person printing in black and white) gets the
figures too. All text is escaped. An image holds nothing interactive (axe-core's
``nested-interactive``: a link inside ``role="img"`` is lost to a screen reader): a bar's
``href`` is for the table of numbers the page shows beside the chart, where the links are.
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Callable, Sequence

SVG_NS = "http://www.w3.org/2000/svg"
FONT = "system-ui, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif"
INK, MUTED, GRID = "#1b1f24", "#5a6470", "#d8dde3"
# colour-blind safe pairs (blue / orange), with the dash patterns telling them apart in print
PALETTE = ("#0b57d0", "#c2570c", "#5a6470", "#1f7a3f")
DASHES = ("", "7 4", "2 3", "10 3 2 3")


def _e(text) -> str:
    return escape(str(text), quote=True)


def _pct(value: float) -> str:
    return f"{value * 100:.0f}%"


def _n(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _shorten(text: str, size: int) -> str:
    text = str(text)
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


def _open(ident: str, width: int, height: int, title: str, desc: str, css_class: str) -> list[str]:
    return [
        f'<svg xmlns="{SVG_NS}" class="chart {_e(css_class)}" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="{_e(ident)}-title {_e(ident)}-desc" '
        f'font-family="{_e(FONT)}" font-size="13" fill="{INK}">',
        f'<title id="{_e(ident)}-title">{_e(title)}</title>',
        f'<desc id="{_e(ident)}-desc">{_e(desc)}</desc>',
    ]


def _empty(parts: list[str], width: int, height: int, text: str) -> str:
    parts.append(f'<text x="{width / 2:.0f}" y="{height / 2:.0f}" text-anchor="middle" fill="{MUTED}" '
                 f'font-size="14">{_e(text)}</text></svg>')
    return "".join(parts)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]  # one per category, None where there is nothing to measure
    # per category: True where the rate rests on so few cases that it says little (drawn hollow)
    weak: Sequence[bool] = ()


@dataclass(frozen=True)
class Target:
    name: str
    value: float
    series: int = 0  # the series it is the target of (same colour)


def rate_lines(categories: Sequence[str], series: Sequence[Series], targets: Sequence[Target] = (), *,
               title: str, desc: str, ident: str = "rates", no_data: str = "No data", weak_note: str = "",
               fmt: Callable[[float], str] = _pct, width: int = 1000, height: int = 320) -> str:
    """Rates (0..1) over time as lines, with dashed target lines across the chart.

    A missing value (None) leaves a gap in its line rather than drawing it as 0%; a weak
    one (too few cases) is drawn as a hollow point with a grey label, explained by
    ``weak_note`` in the legend.
    """
    left, right, top, bottom = 44, 16, 50, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for s in series for v in s.values if v is not None]
    # from 0% the gap between 90% and the 95% target is hard to see: when every value is at
    # least 50%, the scale starts at 50% (its labels say so)
    lo = 0.5 if values and min([*values, *(t.value for t in targets)]) >= 0.5 else 0.0
    parts = _open(ident, width, height, title, desc, "chart-lines")

    def y(v: float) -> float:
        return top + plot_h * (1 - (v - lo) / (1 - lo))

    n = max(len(categories), 1)
    step = plot_w / n

    def x(i: int) -> float:
        return left + step * (i + 0.5)

    # grid and the y axis
    ticks = [lo + (1 - lo) * k / 4 for k in range(5)]
    for t in ticks:
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(t):.1f}" y2="{y(t):.1f}" '
                     f'stroke="{GRID}" stroke-width="1"/>')
        parts.append(f'<text x="{left - 6}" y="{y(t) + 4:.1f}" text-anchor="end" fill="{MUTED}">{_e(fmt(t))}</text>')
    for i, label in enumerate(categories):
        parts.append(f'<text x="{x(i):.1f}" y="{height - bottom + 18}" text-anchor="middle" '
                     f'fill="{MUTED}">{_e(label)}</text>')
    # legend on top: each series, then its target
    lx = left
    for i, s in enumerate(series):
        colour, dash = PALETTE[i % len(PALETTE)], DASHES[i % len(DASHES)]
        parts.append(f'<g class="legend"><line x1="{lx}" x2="{lx + 22}" y1="14" y2="14" stroke="{colour}" '
                     f'stroke-width="3"{_dash(dash)}/><circle cx="{lx + 11}" cy="14" r="3.5" fill="{colour}"/>'
                     f'<text x="{lx + 28}" y="18">{_e(s.name)}</text></g>')
        lx += 40 + 7 * len(s.name)
    for t in targets:
        colour = PALETTE[t.series % len(PALETTE)]
        parts.append(f'<g class="legend"><line x1="{lx}" x2="{lx + 22}" y1="14" y2="14" stroke="{colour}" '
                     f'stroke-width="1.5" stroke-dasharray="3 3"/><text x="{lx + 28}" y="18">{_e(t.name)}</text></g>')
        lx += 40 + 7 * len(t.name)
    if weak_note and any(any(s.weak) for s in series):
        parts.append(f'<g class="legend"><circle cx="{lx + 8}" cy="14" r="4" fill="#fff" stroke="{MUTED}" '
                     f'stroke-width="2"/><text x="{lx + 18}" y="18" fill="{MUTED}">{_e(weak_note)}</text></g>')
    if not values:
        return _empty(parts, width, height, no_data)
    # target lines (named in the legend, and in their own <title>)
    for t in targets:
        colour = PALETTE[t.series % len(PALETTE)]
        parts.append(f'<line class="target" data-target="{t.value:g}" x1="{left}" x2="{width - right}" '
                     f'y1="{y(t.value):.1f}" y2="{y(t.value):.1f}" stroke="{colour}" stroke-width="1.5" '
                     f'stroke-dasharray="3 3"><title>{_e(t.name)}</title></line>')
    # the lines, broken where a value is missing, then the points with their values
    for i, s in enumerate(series):
        colour, dash = PALETTE[i % len(PALETTE)], DASHES[i % len(DASHES)]
        runs: list[list[str]] = [[]]
        for j, v in enumerate(s.values):
            if v is None:
                runs.append([])
            else:
                runs[-1].append(f"{x(j):.1f},{y(v):.1f}")
        for run in runs:
            if len(run) > 1:
                parts.append(f'<polyline class="series" points="{" ".join(run)}" fill="none" stroke="{colour}" '
                             f'stroke-width="2.5"{_dash(dash)}/>')
        for j, v in enumerate(s.values):
            if v is None:
                continue
            # the highest value at a category is labelled above its point, the others below,
            # so two close lines do not write over each other
            top_here = not any(o.values[j] is not None and (o.values[j] > v or (o.values[j] == v and k < i))
                               for k, o in enumerate(series) if k != i)
            dy = -9 if top_here else 17
            if y(v) + dy > top + plot_h - 4:  # no room under the lowest values: above the point
                dy = -9
            weak = j < len(s.weak) and s.weak[j]
            fill = f'fill="#fff" stroke="{colour}" stroke-width="2"' if weak else f'fill="{colour}"'
            parts.append(f'<circle class="{"weak" if weak else "point"}" cx="{x(j):.1f}" cy="{y(v):.1f}" r="4" '
                         f'{fill}><title>{_e(categories[j])}: {_e(s.name)} {_e(fmt(v))}</title></circle>')
            parts.append(f'<text x="{x(j):.1f}" y="{y(v) + dy:.1f}" text-anchor="middle" font-size="12" '
                         f'fill="{MUTED if weak else colour}">{_e(fmt(v))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _dash(dash: str) -> str:
    return f' stroke-dasharray="{dash}"' if dash else ""


@dataclass(frozen=True)
class Bar:
    label: str
    values: Sequence[int]  # one per segment, stacked left to right
    href: str | None = None


def horizontal_bars(bars: Sequence[Bar], segments: Sequence[str], *, title: str, desc: str,
                    ident: str = "bars", no_data: str = "No data", width: int = 1000,
                    label_width: int = 300, row: int = 24) -> str:
    """Stacked horizontal bars, largest first as given, each labelled with its total."""
    top = 30
    height = top + row * max(len(bars), 1) + 10
    parts = _open(ident, width, height, title, desc, "chart-bars")
    lx = label_width
    for i, name in enumerate(segments):
        parts.append(f'<g class="legend"><rect x="{lx}" y="6" width="14" height="14" '
                     f'fill="{PALETTE[i % len(PALETTE)]}"/><text x="{lx + 20}" y="18">{_e(name)}</text></g>')
        lx += 40 + 7 * len(name)
    if not bars:
        return _empty(parts, width, height, no_data)
    most = max(sum(b.values) for b in bars) or 1
    plot_w = width - label_width - 56
    for k, bar in enumerate(bars):
        y0 = top + row * k
        total = sum(bar.values)
        names = ", ".join(f"{name} {v}" for name, v in zip(segments, bar.values))
        group = [f'<g class="bar"><title>{_e(bar.label)}: {_e(names)}</title>',
                 f'<text x="{label_width - 8}" y="{y0 + row / 2 + 4:.1f}" text-anchor="end">'
                 f'{_e(_shorten(bar.label, 44))}</text>']
        x0 = float(label_width)
        for i, v in enumerate(bar.values):
            w = plot_w * v / most
            if w > 0:
                group.append(f'<rect x="{x0:.1f}" y="{y0 + 4}" width="{w:.1f}" height="{row - 8}" '
                             f'fill="{PALETTE[i % len(PALETTE)]}"/>')
            x0 += w
        group.append(f'<text x="{x0 + 6:.1f}" y="{y0 + row / 2 + 4:.1f}" font-weight="600">{total}</text></g>')
        parts.append("".join(group))
    parts.append("</svg>")
    return "".join(parts)


def histogram(buckets: Sequence[tuple[str, int]], *, title: str, desc: str, ident: str = "histogram",
              no_data: str = "No data", hrefs: Sequence[str | None] | None = None, width: int = 1000,
              height: int = 220) -> str:
    """Counts in ordered buckets as vertical bars, the count over each bar."""
    left, right, top, bottom = 16, 16, 20, 40
    parts = _open(ident, width, height, title, desc, "chart-histogram")
    if not buckets or not any(c for _, c in buckets):
        return _empty(parts, width, height, no_data)
    most = max(c for _, c in buckets) or 1
    plot_w, plot_h = width - left - right, height - top - bottom
    slot = plot_w / len(buckets)
    parts.append(f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" '
                 f'stroke="{MUTED}" stroke-width="1"/>')
    for i, (label, count) in enumerate(buckets):
        h = plot_h * count / most
        x0 = left + slot * i + slot * 0.15
        cx = left + slot * (i + 0.5)
        # older buckets darker: the eye goes to the long-running cases
        shade = ("#9fc0f5", "#6d9ff0", "#3b7de6", "#0b57d0", "#0a3f96")[min(i, 4)]
        group = (f'<g class="bar"><title>{_e(label)}: {count}</title>'
                 f'<rect x="{x0:.1f}" y="{top + plot_h - h:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" '
                 f'fill="{shade}"/>'
                 f'<text x="{cx:.1f}" y="{top + plot_h - h - 5:.1f}" text-anchor="middle" '
                 f'font-weight="600">{count}</text>'
                 f'<text x="{cx:.1f}" y="{height - bottom + 18}" text-anchor="middle" '
                 f'fill="{MUTED}">{_e(label)}</text></g>')
        parts.append(group)
    parts.append("</svg>")
    return "".join(parts)
