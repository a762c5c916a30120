"""Charts as inline SVG, drawn here rather than by a JavaScript library: the report is one file that opens
offline in any browser, prints, and needs nothing at install time. Hovering a mark shows its exact figures
(SVG <title>). Every chart takes plain numbers; formatting of labels is passed in."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

Format = Callable[[float], str]

# Colour-blind-friendly categorical palette (Okabe-Ito, then Paul Tol's muted and dark colours).
PALETTE = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
    "#332288", "#999933", "#882255", "#44AA99", "#7F7F7F", "#AA4499",
    "#117733", "#DDCC77", "#661100", "#6699CC", "#888888", "#000000",
)  # fmt: skip
INK = "#1f2933"
MUTED = "#6b7785"
GRID = "#e4e7eb"
NEGATIVE = "#c0392b"
FONT = 11
WIDTH = 1100  # px; charts scale down with the page (CSS max-width)


def color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _attrs(**attrs: object) -> str:
    return " ".join(f'{name.rstrip("_").replace("_", "-")}="{escape(str(value))}"' for name, value in attrs.items())


def _el(tag: str, content: str = "", **attrs: object) -> str:
    """An SVG element; numbers are rounded to 0.1 px to keep the file small."""
    shown = {name: f"{value:.1f}" if isinstance(value, float) else value for name, value in attrs.items()}
    return f"<{tag} {_attrs(**shown)}>{content}</{tag}>" if content else f"<{tag} {_attrs(**shown)}/>"


def _text(x: float, y: float, content: str, *, anchor: str = "start", size: int = FONT, fill: str = INK, **more) -> str:
    return (
        f"<text {_attrs(x=f'{x:.1f}', y=f'{y:.1f}', text_anchor=anchor, font_size=size, fill=fill, **more)}>"
        f"{escape(content)}</text>"
    )


def _title(text: str) -> str:
    return f"<title>{escape(text)}</title>"


def _svg(width: int, height: int, body: Sequence[str], label: str) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg" '
        f'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif">' + "".join(body) + "</svg>"
    )


def nice_ticks(low: float, high: float, count: int = 5, *, min_step: float = 0.0) -> list[float]:
    """Round tick values covering [low, high] (1, 2, 2.5 or 5 times a power of ten apart, at least min_step:
    1 for counts, so there is no tick at half a tenant)."""
    if high <= low:
        high = low + (abs(low) or 1.0)
    raw_step = max((high - low) / max(count, 1), min_step)
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw_step and m * magnitude >= min_step)
    ticks = [round(math.floor(low / step) * step, 12)]
    while ticks[-1] < high:  # the last tick covers the highest value
        ticks.append(round(ticks[-1] + step, 12))
    return ticks


@dataclass(frozen=True)
class Linear:
    domain: tuple[float, float]
    span: tuple[float, float]

    def __call__(self, value: float) -> float:
        (d0, d1), (r0, r1) = self.domain, self.span
        return r0 if d1 == d0 else r0 + (value - d0) / (d1 - d0) * (r1 - r0)


@dataclass(frozen=True)
class Log10:
    domain: tuple[float, float]
    span: tuple[float, float]

    def __call__(self, value: float) -> float:
        (d0, d1), (r0, r1) = self.domain, self.span
        value = max(value, d0)
        return r0 + (math.log10(value) - math.log10(d0)) / (math.log10(d1) - math.log10(d0)) * (r1 - r0)


def log_ticks(low: float, high: float) -> list[float]:
    ticks = []
    for exponent in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1):
        for mantissa in (1, 2, 5):
            value = mantissa * 10**exponent
            if low <= value <= high:
                ticks.append(value)
    return ticks


def _y_axis(ticks: Sequence[float], scale: Linear, left: float, right: float, fmt: Format) -> list[str]:
    parts = []
    for tick in ticks:
        y = scale(tick)
        parts.append(f"<line {_attrs(x1=left, x2=right, y1=f'{y:.1f}', y2=f'{y:.1f}', stroke=GRID)}/>")
        parts.append(_text(left - 6, y + 4, fmt(tick), anchor="end", fill=MUTED))
    return parts


def _x_labels(labels: Sequence[str], xs: Sequence[float], y: float, max_labels: int = 12) -> list[str]:
    every = max(1, math.ceil(len(labels) / max_labels))
    return [
        _text(x, y, label, anchor="middle", fill=MUTED)
        for index, (label, x) in enumerate(zip(labels, xs, strict=True))
        if index % every == 0
    ]


def legend(names: Sequence[str], colors: Sequence[str], x: float, y: float, *, line_height: int = 16) -> list[str]:
    parts = []
    for index, (name, fill) in enumerate(zip(names, colors, strict=True)):
        top = y + index * line_height
        parts.append(f"<rect {_attrs(x=x, y=top - 9, width=10, height=10, rx=2, fill=fill)}/>")
        parts.append(_text(x + 15, top, name))
    return parts


def legend_row(names: Sequence[str], colors: Sequence[str], x: float, y: float) -> list[str]:
    parts = []
    for name, fill in zip(names, colors, strict=True):
        parts.append(f"<circle {_attrs(cx=x + 5, cy=y - 4, r=5, fill=fill)}/>")
        parts.append(_text(x + 14, y, name))
        x += 26 + len(name) * 6.2
    return parts


def line_chart(
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    y_format: Format,
    label: str,
    tooltip: Callable[[str, str, float], str],
    width: int = WIDTH,
    height: int = 300,
    include_zero: bool = True,
    dots: bool = True,
) -> str:
    """One line per series over categorical x (months, days); a zero line drawn when values cross it. Without
    dots (long daily series), each day still shows its figures on hover."""
    legend_width = 170
    left, right, top, bottom = 64, width - legend_width, 14, height - 30
    values = [v for _, points in series for v in points if v is not None]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    if include_zero:
        low, high = min(low, 0.0), max(high, 0.0)
    ticks = nice_ticks(low, high)
    y = Linear((ticks[0], ticks[-1]), (bottom, top))
    step = (right - left) / max(len(x_labels), 1)
    xs = [left + step * (index + 0.5) for index in range(len(x_labels))]
    body = _y_axis(ticks, y, left, right, y_format)
    if ticks[0] < 0 < ticks[-1]:
        body.append(f"<line {_attrs(x1=left, x2=right, y1=f'{y(0):.1f}', y2=f'{y(0):.1f}', stroke=MUTED)}/>")
    body += _x_labels(x_labels, xs, bottom + 18)
    for index, (name, points) in enumerate(series):
        stroke = color(index)
        segments: list[list[tuple[float, float]]] = [[]]
        for x, value in zip(xs, points, strict=True):
            if value is None:
                segments.append([])
            else:
                segments[-1].append((x, y(value)))
        for segment in segments:
            if len(segment) > 1:
                path = " ".join(f"{px:.1f},{py:.1f}" for px, py in segment)
                body.append(f"<polyline {_attrs(points=path, fill='none', stroke=stroke, stroke_width=2)}/>")
        for x_label, x, value in zip(x_labels, xs, points, strict=True):
            if value is None:
                continue
            dot = _attrs(
                cx=f"{x:.1f}", cy=f"{y(value):.1f}", r=3.5 if dots else 6, fill=stroke if dots else "transparent"
            )
            body.append(f"<circle {dot}>{_title(tooltip(name, x_label, value))}</circle>")
    body += legend([name for name, _ in series], [color(i) for i in range(len(series))], right + 18, top + 10)
    height = max(height, top + 10 + 16 * len(series))
    return _svg(width, height, body, label)


@dataclass(frozen=True)
class RangeRow:
    label: str
    low: float
    mid: float
    high: float
    mean: float
    tooltip: str
    flagged: bool = False


def range_chart(
    groups: Sequence[tuple[str, Sequence[RangeRow]]], *, x_format: Format, label: str, width: int = WIDTH
) -> str:
    """Horizontal p10-p90 bars with a p50 tick and a mean diamond, one block of rows per group."""
    row_height, group_gap = 17, 24
    left, right, top = 170, width - 20, 26
    rows_total = sum(len(rows) for _, rows in groups)
    height = top + rows_total * row_height + len(groups) * group_gap + 10
    high = max((row.high for _, rows in groups for row in rows), default=1.0)
    ticks = nice_ticks(0.0, max(high, 1e-9))
    x = Linear((0.0, ticks[-1]), (left, right))
    body = []
    for tick in ticks:
        body.append(_el("line", x1=x(tick), x2=x(tick), y1=top - 6, y2=height - 8, stroke=GRID))
        body.append(_text(x(tick), top - 10, x_format(tick), anchor="middle", fill=MUTED))
    cursor = top
    for group, rows in groups:
        cursor += group_gap
        body.append(_text(8, cursor - 7, group, size=12, font_weight="600"))
        for row in rows:
            middle = cursor + row_height / 2
            fill = NEGATIVE if row.flagged else color(0)
            body.append(_text(left - 8, middle + 4, row.label, anchor="end"))
            bar = _attrs(
                x=f"{x(row.low):.1f}",
                y=f"{middle - 4:.1f}",
                width=f"{max(x(row.high) - x(row.low), 1.5):.1f}",
                height=8,
                rx=3,
                fill=fill,
                fill_opacity=0.35,
            )
            body.append(f"<rect {bar}>{_title(row.tooltip)}</rect>")
            tick = _attrs(
                x1=f"{x(row.mid):.1f}", x2=f"{x(row.mid):.1f}", y1=f"{middle - 6:.1f}", y2=f"{middle + 6:.1f}"
            )
            body.append(f'<line {tick} stroke="{fill}" stroke-width="2.5">{_title(row.tooltip)}</line>')
            mx, size = x(row.mean), 4.5
            diamond = f"{mx:.1f},{middle - size:.1f} {mx + size:.1f},{middle:.1f} {mx:.1f},{middle + size:.1f} " + (
                f"{mx - size:.1f},{middle:.1f}"
            )
            body.append(f'<polygon points="{diamond}" fill="{INK}">{_title(row.tooltip)}</polygon>')
            cursor += row_height
    return _svg(width, height, body, label)


@dataclass(frozen=True)
class TailRow:
    label: str
    p50: float
    p95: float
    p99: float
    annotation: str
    tooltip: str


TAIL_COLORS = ("#9ecae1", "#3182bd", "#08306b")


def tail_chart(rows: Sequence[TailRow], *, x_format: Format, label: str, width: int = WIDTH) -> str:
    """p50, p95 and p99 per row on a log scale: the distance between the dots is the tail."""
    row_height = 22
    left, right, top = 170, width - 100, 52
    height = top + len(rows) * row_height + 14
    positive = [v for row in rows for v in (row.p50, row.p95, row.p99) if v > 0]
    low = 10 ** math.floor(math.log10(min(positive))) if positive else 0.001
    high = 10 ** math.ceil(math.log10(max(positive))) if positive else 1.0
    x = Log10((low, high), (left, right))
    ticks = log_ticks(low, high)
    if len(ticks) > 10:  # many decades: label the powers of ten only
        ticks = [tick for tick in ticks if f"{tick:e}".startswith("1")]
    body = legend_row(["p50", "p95", "p99 cost per request tree"], TAIL_COLORS, 8, 14)
    body.append(_text(right + 30, top - 10, "p95 ÷ p50", fill=MUTED))
    for tick in ticks:
        body.append(_el("line", x1=x(tick), x2=x(tick), y1=top - 6, y2=height - 8, stroke=GRID))
        body.append(_text(x(tick), top - 10, x_format(tick), anchor="middle", fill=MUTED))
    for index, row in enumerate(rows):
        middle = top + index * row_height + row_height / 2
        body.append(_text(left - 8, middle + 4, row.label, anchor="end"))
        x50, x99 = x(max(row.p50, low)), x(max(row.p99, low))
        body.append(_el("line", x1=x50, x2=x99, y1=middle, y2=middle, stroke=GRID, stroke_width=4))
        for value, fill in zip((row.p50, row.p95, row.p99), TAIL_COLORS, strict=True):
            dot = _attrs(cx=f"{x(max(value, low)):.1f}", cy=f"{middle:.1f}", r=5, fill=fill)
            body.append(f"<circle {dot}>{_title(row.tooltip)}</circle>")
        body.append(_text(right + 30, middle + 4, row.annotation, fill=MUTED))
    return _svg(width, height, body, label)


def pareto_chart(
    curves: Sequence[tuple[str, Sequence[float]]],
    bar_shares: Sequence[float],
    *,
    label: str,
    tooltip: Callable[[int], str],
    width: int = WIDTH,
    height: int = 300,
) -> str:
    """Cumulative cost share by tenant rank, one curve per month, over the latest month's per-tenant bars."""
    left, right, top, bottom = 56, width - 150, 14, height - 34
    tenants = max([len(shares) for _, shares in curves] + [len(bar_shares), 1])
    y = Linear((0.0, 1.0), (bottom, top))
    step = (right - left) / tenants
    body = _y_axis([0, 0.2, 0.4, 0.6, 0.8, 1.0], y, left, right, lambda v: f"{v:.0%}")
    for index, share in enumerate(bar_shares):
        bar = _attrs(
            x=f"{left + index * step + step * 0.15:.1f}",
            y=f"{y(share):.1f}",
            width=f"{max(step * 0.7, 0.8):.1f}",
            height=f"{bottom - y(share):.1f}",
            fill="#c9d3dd",
        )
        body.append(f"<rect {bar}>{_title(tooltip(index))}</rect>")
    dash = _attrs(x1=left, x2=right, y1=f"{y(0.8):.1f}", y2=f"{y(0.8):.1f}", stroke=MUTED, stroke_dasharray="4 3")
    body.append(f"<line {dash}/>")
    for index, (_, shares) in enumerate(curves):
        points = [(left, y(0.0))] + [(left + (rank + 1) * step, y(share)) for rank, share in enumerate(shares)]
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        last = index == len(curves) - 1
        body.append(
            f"<polyline {_attrs(points=path, fill='none', stroke=color(index), stroke_width=2.5 if last else 1.5)}/>"
        )
    ticks = sorted({1, *range(5, tenants + 1, 5)} | {tenants}) if tenants > 10 else range(1, tenants + 1)
    for rank in ticks:
        body.append(_text(left + (rank - 0.5) * step, bottom + 16, str(rank), anchor="middle", fill=MUTED))
    body.append(_text((left + right) / 2, bottom + 30, "tenants by cost rank", anchor="middle", fill=MUTED))
    body += legend([name for name, _ in curves], [color(i) for i in range(len(curves))], right + 18, top + 10)
    return _svg(width, height, body, label)


def gap_chart(
    x_labels: Sequence[str],
    upper: Sequence[float],
    lower: Sequence[float],
    *,
    names: tuple[str, str, str],
    y_format: Format,
    label: str,
    tooltip: Callable[[int], str],
    width: int = WIDTH,
    height: int = 260,
) -> str:
    """Two daily series with the gap between them shaded (e.g. cache-blind cost over actual cost = savings)."""
    left, right, top, bottom = 64, width - 170, 14, height - 30
    ticks = nice_ticks(0.0, max([*upper, *lower, 1e-9]))
    y = Linear((0.0, ticks[-1]), (bottom, top))
    count = len(x_labels)
    xs = [left + (right - left) * (i / max(count - 1, 1)) for i in range(count)]
    body = _y_axis(ticks, y, left, right, y_format)
    if count:
        top_path = [f"{x:.1f},{y(v):.1f}" for x, v in zip(xs, upper, strict=True)]
        low_path = [f"{x:.1f},{y(v):.1f}" for x, v in zip(xs, lower, strict=True)]
        base = [f"{xs[-1]:.1f},{bottom:.1f}", f"{xs[0]:.1f},{bottom:.1f}"]
        body.append(f'<polygon points="{" ".join(top_path + low_path[::-1])}" fill="#f6c667" fill-opacity="0.55"/>')
        body.append(f'<polygon points="{" ".join(low_path + base)}" fill="{color(0)}" fill-opacity="0.18"/>')
        body.append(f'<polyline points="{" ".join(top_path)}" fill="none" stroke="#b7791f" stroke-width="1.8"/>')
        body.append(f'<polyline points="{" ".join(low_path)}" fill="none" stroke="{color(0)}" stroke-width="2"/>')
        band = (right - left) / max(count, 1)
        for index, x in enumerate(xs):
            hit = _attrs(x=f"{x - band / 2:.1f}", y=top, width=f"{band:.1f}", height=bottom - top, fill="transparent")
            body.append(f"<rect {hit}>{_title(tooltip(index))}</rect>")
    body += _x_labels(x_labels, xs, bottom + 18, max_labels=9)
    body += legend(list(names), ["#b7791f", color(0), "#f6c667"], right + 18, top + 10)
    return _svg(width, height, body, label)


@dataclass(frozen=True)
class HeatCell:
    value: float | None  # drift in percent of invoiced
    status: str
    tooltip: str


def drift_color(drift_pct: float | None, limit: float) -> str:
    """Diverging on drift (invoiced − metered): red when the invoice is higher, blue when lower, white at zero."""
    if drift_pct is None:
        return "#f0f0f0"
    strength = min(abs(drift_pct) / limit, 1.0)
    target = (192, 57, 43) if drift_pct > 0 else (33, 102, 172)
    r, g, b = (round(255 + (channel - 255) * strength) for channel in target)
    return f"#{r:02x}{g:02x}{b:02x}"


STATUS_MARKS = {"breach": "#000000", "unmetered_spend": "#6a1b9a", "missing_invoice": "#8d99a6"}


LABEL_CHAR_PX = 6.3  # average glyph width at FONT px, for sizing label gutters
HEATMAP_LABEL_CHARS = 44


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def heatmap(
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    cells: dict[tuple[int, int], HeatCell],
    *,
    color_limit: float,
    label: str,
    width: int = WIDTH,
) -> str:
    """Rows x columns of coloured cells; breach / unmetered / missing-invoice cells outlined."""
    longest = max((len(_shorten(row, HEATMAP_LABEL_CHARS)) for row in row_labels), default=10)
    left, top = 16 + longest * LABEL_CHAR_PX, 10
    cell_w = max(min((width - left - 16) / max(len(col_labels), 1), 28), 5)
    cell_h = 18
    height = top + len(row_labels) * cell_h + 66
    body = []
    for r, row in enumerate(row_labels):
        shown = _shorten(row, HEATMAP_LABEL_CHARS)
        body.append(f"<g>{_title(row)}{_text(left - 8, top + r * cell_h + cell_h / 2 + 4, shown, anchor='end')}</g>")
    for (r, c), cell in cells.items():
        mark = STATUS_MARKS.get(cell.status)
        rect = _attrs(
            x=f"{left + c * cell_w + 0.5:.1f}",
            y=f"{top + r * cell_h + 0.5:.1f}",
            width=f"{cell_w - 2:.1f}",
            height=cell_h - 2,
            fill=drift_color(cell.value, color_limit),
            stroke=mark or "#d5dae0",
            stroke_width=2 if mark else 0.6,
        )
        body.append(f"<rect {rect}>{_title(cell.tooltip)}</rect>")
    bottom = top + len(row_labels) * cell_h
    body += _x_labels(col_labels, [left + (c + 0.5) * cell_w for c in range(len(col_labels))], bottom + 14, 12)
    # Legend: the colour ramp and the status outlines.
    legend_y = bottom + 32
    body.append(_text(left - 8, legend_y + 10, "invoiced − metered, % of invoice", anchor="end", fill=MUTED))
    for index, value in enumerate((-color_limit, -color_limit / 2, 0.0, color_limit / 2, color_limit)):
        x = left + index * 52
        body.append(
            _el(
                "rect",
                x=x,
                y=legend_y,
                width=50,
                height=12,
                fill=drift_color(value, color_limit),
                stroke="#d5dae0",
                stroke_width=0.6,
            )
        )
        body.append(_text(x + 25, legend_y + 24, f"{value:+g}%", anchor="middle", fill=MUTED, size=10))
    x = left + 5 * 52 + 24
    for status, mark in STATUS_MARKS.items():
        body.append(_el("rect", x=x, y=legend_y, width=12, height=12, fill="white", stroke=mark, stroke_width=2))
        body.append(_text(x + 17, legend_y + 10, status.replace("_", " "), fill=MUTED))
        x += 30 + len(status) * LABEL_CHAR_PX
    return _svg(int(max(width, x + 20)), height, body, label)


def stacked_bars(
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float], str]],
    *,
    y_format: Format,
    label: str,
    tooltip: Callable[[int], str],
    width: int = WIDTH,
    height: int = 220,
    integer: bool = False,
) -> str:
    """Daily bars stacked by series (name, values, colour); `integer` for counts."""
    left, right, top, bottom = 56, width - 170, 14, height - 30
    totals = [sum(values[i] for _, values, _ in series) for i in range(len(x_labels))]
    ticks = nice_ticks(0.0, max([*totals, 1.0]), 4, min_step=1.0 if integer else 0.0)
    y = Linear((0.0, ticks[-1]), (bottom, top))
    band = (right - left) / max(len(x_labels), 1)
    body = _y_axis(ticks, y, left, right, y_format)
    for index in range(len(x_labels)):
        base = 0.0
        x = left + index * band
        for _, values, fill in series:
            value = values[index]
            if value > 0:
                bar = _attrs(
                    x=f"{x + band * 0.1:.1f}",
                    y=f"{y(base + value):.1f}",
                    width=f"{max(band * 0.8, 0.8):.1f}",
                    height=f"{y(base) - y(base + value):.1f}",
                    fill=fill,
                )
                body.append(f"<rect {bar}>{_title(tooltip(index))}</rect>")
            base += value
    body += _x_labels(x_labels, [left + (i + 0.5) * band for i in range(len(x_labels))], bottom + 18, max_labels=9)
    body += legend([name for name, _, _ in series], [fill for _, _, fill in series], right + 18, top + 10)
    return _svg(width, height, body, label)
