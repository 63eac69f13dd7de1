"""Drawing: docs/benchmarks.svg from the ratio records that report.py writes."""
from html import escape

TITLES = {"go": "WhoAmI / Go tutorial server", "peer": "WhoAmI / traefik/whoami"}


def svg(rows):
    """Horizontal bars of the ratios WhoAmI / reference, one group per reference, a line at 1 (parity), a dashed
    tick at each target. Green: target met; red: missed; grey: no target. Bars past 3 are cut at 3 and say so."""
    width, bar_left, row_height, cap = 800, 330, 28, 3.0
    scale = (width - bar_left - 110) / cap
    groups = [(reference, [r for r in rows if r.get("reference", "go") == reference]) for reference in TITLES]
    groups = [(reference, members) for reference, members in groups if members]
    height = 30 + sum(30 + row_height * len(members) for _, members in groups)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
             '<text x="10" y="20" font-size="14">Same run, medians (lower is better unless marked ↑)</text>']
    y = 30
    for reference, members in groups:
        parts.append(f'<text x="10" y="{y + 18}" font-size="13" font-weight="bold">{TITLES[reference]}</text>')
        top = y + 26
        y = top
        for row in members:
            value, target = row["ratio"], row["target"]
            higher_better = bool(target and target["higher_is_better"])
            colour = {None: "#999999", True: "#3a7d44", False: "#c0392b"}[row["met"]]
            length = min(value, cap) * scale
            parts.append(f'<text x="10" y="{y + 14}">{escape(row["label"].split(" (")[0])}{" ↑" if higher_better else ""}</text>')
            parts.append(f'<rect x="{bar_left}" y="{y}" width="{length:.1f}" height="18" fill="{colour}"/>')
            parts.append(f'<text x="{bar_left + length + 4:.1f}" y="{y + 14}">{value:.2f}{" (cut at 3)" if value > cap else ""}</text>')
            if target is not None:
                x = bar_left + target["limit"] * scale
                parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y - 2}" y2="{y + 20}" stroke="black" stroke-dasharray="3,2"/>')
            y += row_height
        x = bar_left + scale
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top - 2}" y2="{y}" stroke="#888"/>')
        y += 4
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
