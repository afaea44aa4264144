"""The reading order of PDF lines: running heads dropped, columns, paragraphs, pages."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from kg.read.pdf.lines import Line, merge_runs

PAGE_NUMBER = re.compile(
    r"^(?:page|p\.|pg\.?)?\s*[-–—]?\s*"
    r"(?:\d{1,4}|(?=[ivxlc])c{0,3}(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3}))\s*"
    r"(?:(?:of|/)\s*\d{1,4})?\s*[-–—]?$",
    re.IGNORECASE,
)
"""A line that is only a page number ("7", "Page 7 of 20", "7/20", "- vii -")."""
_MARGIN_LINES = 2  # lines at the top and at the bottom of a page that may be running heads
_SET_APART = 1.3  # ... and a gap this many line steps wide parts them from the body
_REPEAT_PAGES = 3  # pages a running head must stand on (every page in shorter documents)
_PARAGRAPH_STEP = 1.45  # a line step this many times the usual one starts a paragraph
_SIZE_CHANGE = 1.5  # glyph-box height ratio between two lines that starts a paragraph
_MIN_GUTTER = 6.0  # points: the narrowest gap between two columns
_FULL_LINE = 0.8  # a line at least this share of the usual width is a full line
_SHORT_LINE = 0.6  # an unpunctuated line this much shorter ends a paragraph (a heading)
_ENDS_SENTENCE = re.compile(r"[.!?:;][\"'”’)\]]*$")
_HYPHEN_END = re.compile(r"(\w+)-$")
_HYPHENATED = re.compile(r"\b\w+-\w+\b")


def _head_key(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.casefold().split()))


def drop_running_heads(pages: list[list[Line]]) -> list[list[Line]]:
    """Pages without their page numbers and repeated headers and footers."""

    gaps = sorted(
        a.middle - b.middle
        for lines in pages
        for a, b in zip(lines, lines[1:])
        if a.middle > b.middle
    )
    step = gaps[len(gaps) // 4] if gaps else 0.0

    def apart(head: Line, body: Line) -> bool:
        """Is a wider gap or a smaller type between a running-head line and the body?"""
        return (
            abs(head.middle - body.middle) > _SET_APART * step or head.height < 0.85 * body.height
        )

    def margins(lines: list[Line]) -> list[Line]:
        """The lines set apart at the top and bottom: at most two on each side."""
        if len(lines) <= 1:
            return [line for line in lines if line.margin]
        ends: list[Line] = []
        for k in range(1, min(_MARGIN_LINES, len(lines) - 1) + 1):
            if apart(lines[k - 1], lines[k]):
                ends += lines[:k]
                break
        for k in range(1, min(_MARGIN_LINES, len(lines) - 1) + 1):
            if apart(lines[-k], lines[-k - 1]):
                ends += [line for line in lines[-k:] if line not in ends]
                break
        return [line for line in ends if line.margin]

    counts: Counter[str] = Counter()
    for lines in pages:
        counts.update({_head_key(line.text) for line in margins(lines)})
    with_text = sum(1 for lines in pages if lines)
    needed = min(_REPEAT_PAGES, with_text)
    out = []
    for lines in pages:
        heads = {id(line) for line in margins(lines)}
        drop = {
            id(line)
            for line in margins(lines)
            if PAGE_NUMBER.match(line.text)
            or (needed >= 2 and counts[_head_key(line.text)] >= needed)
        }
        kept = []
        for line in lines:
            if id(line) in drop:
                continue
            if len(line.parts) > 1 and id(line) in heads:
                # "Plan 2025 ........ 7": a page number beside other running text
                parts = [r for r in line.parts if not PAGE_NUMBER.match(r.text)]
                line = merge_runs(parts) if parts else line
            kept.append(line)
        out.append(kept)
    return out


def _columns(lines: list[Line], width: float) -> list[tuple[Line, bool]]:
    """Lines in reading order, each with True when it starts a new flow (column or band).

    Consecutive lines that leave a common vertical gutter in the middle of the
    page, with text on both sides, form a band read as two columns, left first.
    """
    out: list[tuple[Line, bool]] = []
    after_band = False
    for band, gutter in _bands(lines, width):
        if gutter is None:
            for line in band:
                out.append((line, after_band))
                after_band = False
            continue
        middle = (gutter[0] + gutter[1]) / 2
        west = [
            merge_runs(w) for w in ([r for r in line.parts if r.x1 <= middle] for line in band) if w
        ]
        east = [
            merge_runs(e) for e in ([r for r in line.parts if r.x1 > middle] for line in band) if e
        ]
        for column in (west, east):
            out.extend((line, i == 0) for i, line in enumerate(column))
        after_band = True
    return out


def _free(line: Line, lo: float, hi: float) -> list[tuple[float, float]]:
    """The stretches of ``[lo, hi]`` that none of the line's runs covers."""
    free: list[tuple[float, float]] = []
    at = lo
    for run in sorted(line.parts, key=lambda r: r.x0):
        if run.x0 > at:
            free.append((at, min(run.x0, hi)))
        at = max(at, run.x1)
        if at >= hi:
            break
    if at < hi:
        free.append((at, hi))
    return [(a, b) for a, b in free if b > a]


def _bands(lines: list[Line], width: float) -> list[tuple[list[Line], tuple[float, float] | None]]:
    """The page's lines cut into bands; a band of two columns comes with its gutter."""
    lo, hi = width * 0.3, width * 0.7
    bands: list[tuple[list[Line], tuple[float, float] | None]] = []
    rows: list[Line] = []
    gutter: tuple[float, float] | None = None  # None: ``rows`` are plain lines

    def close() -> None:
        if rows:
            two = gutter is not None and _two_sided(rows, gutter)
            bands.append((list(rows), gutter if two else None))

    for line in lines:
        free = [(a, b) for a, b in _free(line, lo, hi) if b - a >= _MIN_GUTTER]
        if gutter is not None:
            shared = [(max(a, gutter[0]), min(b, gutter[1])) for a, b in free]
            shared = [(a, b) for a, b in shared if b - a >= _MIN_GUTTER]
            if shared:
                rows.append(line)
                gutter = max(shared, key=lambda g: g[1] - g[0])
                continue
        elif not free:
            rows.append(line)
            continue
        close()
        rows = [line]
        gutter = max(free, key=lambda g: g[1] - g[0]) if free else None
    close()
    return bands


def _two_sided(rows: list[Line], gutter: tuple[float, float]) -> bool:
    """Text on both sides of the gutter, on at least two lines each."""
    middle = (gutter[0] + gutter[1]) / 2
    west = sum(1 for line in rows if any(r.x1 <= middle for r in line.parts))
    east = sum(1 for line in rows if any(r.x0 >= middle for r in line.parts))
    return west >= 2 and east >= 2


@dataclass
class _Block:
    """A paragraph being built: its text and its last line (for the join decisions)."""

    text: str
    last: Line


def _usual_width(lines: list[Line]) -> float:
    """The width of a full line of the page (the upper quartile of line widths)."""
    widths = sorted(line.width for line in lines)
    return widths[(len(widths) * 3) // 4] if widths else 0.0


def _reading_order(lines: list[Line]) -> list[tuple[Line, bool]]:
    """A page's lines in reading order (see :func:`_columns`)."""
    if not lines:
        return []
    return _columns(lines, max(line.x1 for line in lines) + min(line.x0 for line in lines))


def _steps(ordered: list[tuple[Line, bool]]) -> list[float]:
    """The vertical steps between consecutive lines of one flow."""
    return [
        prev.middle - cur.middle
        for (prev, _), (cur, new_flow) in zip(ordered, ordered[1:])
        if not new_flow and prev.middle > cur.middle
    ]


def _page_blocks(
    ordered: list[tuple[Line, bool]], hyphenated: set[str], step: float
) -> tuple[list[_Block], Line | None]:
    """A page's paragraphs, and its first line in reading order.

    ``step`` is the usual line step (the page's, or the document's on a page of
    few lines): a wider one starts a paragraph.
    """
    if not ordered:
        return [], None
    usual = _usual_width([line for line, _ in ordered])
    blocks: list[_Block] = []
    for line, new_flow in ordered:
        if not blocks:
            blocks.append(_Block(line.text, line))
            continue
        block = blocks[-1]
        prev = block.last
        if new_flow:
            joined = _continues(prev, line, usual)
        else:
            gap = prev.middle - line.middle
            joined = not (
                (step and gap > step * _PARAGRAPH_STEP)
                or gap < 0
                or max(prev.height, line.height) > _SIZE_CHANGE * min(prev.height, line.height)
                or (
                    not _ENDS_SENTENCE.search(prev.text)
                    and prev.width < _SHORT_LINE * usual
                    and line.text[:1].isupper()
                )
            )
        if joined:
            block.text = _join(block.text, line.text, hyphenated)
            block.last = line
        else:
            blocks.append(_Block(line.text, line))
    return blocks, ordered[0][0]


def _continues(prev: Line, line: Line, usual: float) -> bool:
    """Does ``line``, after a column or page break, go on with ``prev``'s paragraph?"""
    if _ENDS_SENTENCE.search(prev.text):
        return False
    return prev.width >= _FULL_LINE * usual or line.text[:1].islower()


def _join(text: str, line: str, hyphenated: set[str]) -> str:
    """Append ``line`` to ``text``, repairing a hyphen that only broke a word at the line end."""
    match = _HYPHEN_END.search(text)
    if match and line[:1].isalpha() and line[:1].islower() and match.group(1)[-1:].isalpha():
        first = re.match(r"\w+", line)
        word = f"{match.group(1)}-{first.group(0) if first else ''}".casefold()
        if word in hyphenated:
            return text + line
        return text[:-1] + line
    if match and text.endswith("-"):
        return text + line  # "COVID-" + "19", "Sino-" + "US"
    return f"{text} {line}"


def assemble(pages: list[list[Line]]) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The document text from every page's lines, and each page's range in it."""
    hyphenated = {
        w.casefold() for lines in pages for line in lines for w in _HYPHENATED.findall(line.text)
    }
    parts: list[str] = []
    length = 0  # characters in parts
    ranges: list[tuple[int, int]] = []
    last: _Block | None = None  # the paragraph in hand, not yet written
    usual_before = 0.0
    orders = [_reading_order(lines) for lines in pages]
    steps = sorted(step for ordered in orders for step in _steps(ordered))
    # The usual line step: the lower quartile, as paragraph gaps only ever add to it.
    step = steps[len(steps) // 4] if steps else 0.0
    for lines, ordered in zip(pages, orders):
        own = sorted(_steps(ordered))  # a page of its own type size keeps its own step
        page_step = own[len(own) // 4] if len(own) >= 5 else step
        blocks, first_line = _page_blocks(ordered, hyphenated, page_step)
        if first_line is None:
            at = length + len(last.text) if last else length
            ranges.append((at, at))
            continue
        first = blocks.pop(0)
        if last is not None and _continues(last.last, first_line, usual_before):
            # The paragraph goes on over the page break: the page starts where its words do.
            joined = _join(last.text, first.text, hyphenated)
            start = length + len(joined) - len(first.text)
            last = _Block(joined, first.last)
        else:
            if last is not None:
                parts.append(last.text + "\n\n")
                length += len(parts[-1])
            start = length
            last = first
        for block in blocks:
            parts.append(last.text + "\n\n")
            length += len(parts[-1])
            last = block
        usual_before = _usual_width(lines)
        ranges.append((start, length + len(last.text)))
    if last is not None:
        parts.append(last.text)
    text = "".join(parts)
    fixed: list[tuple[int, int]] = []
    for n, (start, end) in enumerate(ranges):
        later = [s for s, _ in ranges[n + 1 :] if s > start]
        if later:
            end = min(end, later[0])  # a word joined over the break belongs to the next page
        fixed.append((start, max(start, min(end, len(text)))))
    return text, tuple(fixed)
