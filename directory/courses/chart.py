"""The progress chart, drawn on the server as SVG: no JavaScript, no CDN. Pain and function
(mean PSFS) per check-in on one 0-10 scale, with the band each must reach for a meaningful
change from baseline shaded. The page puts a data table beside it for screen readers."""
from __future__ import annotations

from markupsafe import Markup, escape

from directory.services.courses.outcomes import Outcomes

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 16, 40
PAIN, FUNCTION = "#b3261e", "#1f5fa8"


def _y(value: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - float(value) / 10)


def _x(index: int, count: int) -> float:
    span = WIDTH - LEFT - RIGHT
    return LEFT + (span / 2 if count == 1 else span * index / (count - 1))


def _band(low: float, high: float, colour: str, label: str) -> str:
    top, bottom = _y(high), _y(low)
    return (f'<rect x="{LEFT}" y="{top:.1f}" width="{WIDTH - LEFT - RIGHT}" height="{bottom - top:.1f}" '
            f'fill="{colour}" fill-opacity="0.10" stroke="{colour}" stroke-dasharray="4 3" stroke-opacity="0.6">'
            f'<title>{escape(label)}</title></rect>')


def _line(points: list[tuple[float, float]], colour: str, dash: str = "") -> str:
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>' for x, y in points)
    style = f' stroke-dasharray="{dash}"' if dash else ""
    return f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"{style}/>{dots}'


def svg(result: Outcomes, summary: str) -> Markup:
    series, count = result.series, len(result.series)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" class="course-chart" '
             f'role="img" aria-labelledby="chart-title chart-desc">',
             '<title id="chart-title">Pain and daily activities at each check-in</title>',
             f'<desc id="chart-desc">{escape(summary)} The table below has the same figures.</desc>']
    pain_band, function_band = result.pain_band(), result.function_band()
    if pain_band is not None:
        parts.append(_band(0, pain_band, PAIN, f"Pain at or below {pain_band}: a meaningful improvement"))
    if function_band is not None:
        parts.append(_band(float(function_band), 10, FUNCTION,
                           f"Activities at or above {float(function_band):.1f}: a meaningful improvement"))
    for value in range(0, 11, 2):
        y = _y(value)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ccc"/>'
                     f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end" font-size="12">{value}</text>')
    for i, point in enumerate(series):
        label = "Start" if i == 0 else f"S{point.session}"
        parts.append(f'<text x="{_x(i, count):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle" '
                     f'font-size="12">{escape(label)}</text>')
    if series:
        parts.append(_line([(_x(i, count), _y(p.pain)) for i, p in enumerate(series)], PAIN))
        parts.append(_line([(_x(i, count), _y(p.function)) for i, p in enumerate(series)], FUNCTION, "6 4"))
    legend_y = HEIGHT - 6
    parts.append(f'<text x="{LEFT}" y="{legend_y}" font-size="12" fill="{PAIN}">— Pain (lower is better)</text>'
                 f'<text x="{LEFT + 200}" y="{legend_y}" font-size="12" fill="{FUNCTION}">- - Activities '
                 f'(higher is better)</text><text x="{LEFT + 420}" y="{legend_y}" font-size="12">Shaded: '
                 f'meaningful change</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
