"""A per-product badge (SVG) a vendor can show: how many of its current listed results pass.

Only the product's newest version counts, and only its current (not expired, not superseded)
results; grey when there is none, so an old pass never shows as green.
"""

from __future__ import annotations

from html import escape

from renkei.reports.site.records import Record

COLOURS = {"pass": "#2e7d32", "fail": "#c62828", "none": "#757575"}


def badge_svg(current: list[Record]) -> str:
    passed = sum(1 for r in current if r.verdict == "pass")
    state = "none" if not current else "pass" if passed == len(current) else "fail"
    message = "有効な結果なし" if state == "none" else f"{passed}/{len(current)} 合格"
    label = "renkei"
    lw, mw = 54, 14 + 12 * len(message)  # CJK glyphs are about a full em wide
    width = lw + mw
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" '
            f'aria-label="{escape(label)}: {escape(message)}"><title>{escape(label)}: {escape(message)}</title>'
            f'<rect width="{lw}" height="20" fill="#37474f"/><rect x="{lw}" width="{mw}" height="20" '
            f'fill="{COLOURS[state]}"/><g fill="#fff" font-family="sans-serif" font-size="11" text-anchor="middle">'
            f'<text x="{lw / 2}" y="14">{escape(label)}</text><text x="{lw + mw / 2}" y="14">{escape(message)}</text>'
            f'</g></svg>\n')
