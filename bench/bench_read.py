"""Reading PDF and Word files: kg's cost beside the parser, and three PDF libraries compared.

Every file is generated here from the paragraphs of ``examples/`` (fpdf2 for
PDF, python-docx for Word; with Chromium present, also a PDF printed by
Chromium, whose per-glyph text and own header/footer are closer to what
publishers' tools write). Figures are ratios against baselines measured in
the same run:

- **Reading cost**: kg's reader (``kg.read.pdf.pdf_to_text``, ``docx_to_text``)
  against bare spaCy ``nlp.pipe`` parsing the same words (the build's main
  cost), as pages per CPU second and as reading / parse CPU time.
- **Libraries**: pypdfium2 (PDFium's plain text), pypdf (``extract_text``)
  and pdfminer.six (``extract_text``, layout analysis) against kg's reader
  (pypdfium2 plus kg's layout): pages per CPU second (best of 3; pdfminer
  once) and text quality on a report with a running header, a footer with page numbers,
  words hyphenated at line ends and two-column pages (one written in column
  order, one row by row): word-order similarity to the true text (difflib
  ratio over the word sequences, 1.0 is perfect), running-head lines left in
  the text, hyphenated words left broken, and whether the row-order
  two-column page comes out left column first.

Run: ``.venv/bin/python bench/bench_read.py [--quick] [--pages N]``.
"""

from __future__ import annotations

import argparse
import difflib
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from corpus import paragraphs  # noqa: E402
from make_files import Page, write_docx, write_pdf  # noqa: E402

HEADER = "National Plan for Elderly Care 2025-2030"
FOOTER = "Page {n} of {total}"
WIDTH_MM, COLUMN_MM = 170.0, 80.0
LINES_PER_PAGE = 48
CHROMIUM = Path("/usr/bin/chromium")


class Wrapper:
    """Greedy line breaking by measured width, hyphenating long words at line ends."""

    def __init__(self) -> None:
        from fpdf import FPDF

        self.pdf = FPDF(format="A4", unit="mm")
        self.pdf.set_font("Helvetica", size=10)
        self.hyphenated: list[str] = []

    def fits(self, text: str, width: float) -> bool:
        return self.pdf.get_string_width(text) <= width

    def lines(self, text: str, width: float) -> list[str]:
        out: list[str] = []
        line = ""
        words = text.split()
        i = 0
        while i < len(words):
            word = words[i]
            trial = f"{line} {word}" if line else word
            if not line or self.fits(trial, width):
                line, i = trial, i + 1
                continue
            if word.isalpha() and len(word) >= 8:
                for cut in range(len(word) - 4, 3, -1):
                    head = f"{line} {word[:cut]}-"
                    if self.fits(head, width):
                        out.append(head)
                        self.hyphenated.append(word)
                        words[i] = word[cut:]
                        break
                else:
                    out.append(line)
            else:
                out.append(line)
            line = ""
        if line:
            out.append(line)
        return out


def fill_pages(paras: list[str], wrap: Wrapper, n_pages: int) -> tuple[list[Page], list[str]]:
    """``n_pages`` pages of wrapped paragraphs; every 5th page two columns (alternately row order).

    Returns the pages and the paragraphs in reading order (the true text).
    """
    rng = random.Random(17)
    pages: list[Page] = []
    truth: list[str] = []
    while len(pages) < n_pages:
        two = len(pages) % 5 == 4
        if two:
            columns: list[list[list[str]]] = [[], []]
            for column in columns:
                used = 0
                while True:
                    para = rng.choice(paras)
                    lines = wrap.lines(para, COLUMN_MM)
                    if used + len(lines) + 1 > LINES_PER_PAGE:
                        break
                    column.append(lines)
                    truth.append(para)
                    used += len(lines) + 1
            pages.append(Page(columns[0], columns[1], interleave=len(pages) % 10 == 9))
        else:
            body: list[list[str]] = []
            used = 0
            while True:
                para = rng.choice(paras)
                lines = wrap.lines(para, WIDTH_MM)
                if used + len(lines) + 1 > LINES_PER_PAGE:
                    break
                body.append(lines)
                truth.append(para)
                used += len(lines) + 1
            pages.append(Page(body))
    return pages, truth


def chromium_pdf(paras: list[str], work: Path, n_pages: int) -> tuple[Path, list[str]] | None:
    """A report printed by headless Chromium (its header: date and title; footer: URL, n/N)."""
    if not CHROMIUM.exists():
        return None
    rng = random.Random(18)
    chosen = [rng.choice(paras) for _ in range(n_pages * 6)]

    def soft(p: str) -> str:  # soft hyphens in long words: Chromium breaks there with a "-"
        return " ".join(
            w[:4] + "&shy;" + w[4:] if w.isalpha() and len(w) >= 9 else w for w in p.split()
        )

    blocks = []
    for i, para in enumerate(chosen):
        if i % 12 == 6:
            blocks.append('<div class="cols">')
        blocks.append(f"<p>{soft(para)}</p>")
        if i % 12 == 9:
            blocks.append("</div>")
    if chosen and len(chosen) % 12 in range(7, 10):
        blocks.append("</div>")
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>National Plan</title>'
        "<style>body{font:10.5pt serif;margin:1.5cm}.cols{column-count:2;column-gap:1cm}"
        "p{text-align:justify;margin:0 0 .6em}</style></head><body>"
        + "".join(blocks)
        + "</body></html>"
    )
    page = work / "report.html"
    page.write_text(html, encoding="utf-8")
    out = work / "chromium.pdf"
    subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--print-to-pdf={out}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
    )
    return (out, chosen) if out.exists() else None


# ---------------------------------------------------------------- the contenders


def kg_reader(data: bytes) -> list[str]:
    from kg.read.pdf import pdf_to_text

    result = pdf_to_text(data)
    return [result.text[a:b] for a, b in result.pages]


def pdfium_raw(data: bytes) -> list[str]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(data)
    try:
        return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    finally:
        doc.close()


def pypdf_raw(data: bytes) -> list[str]:
    import io

    import pypdf

    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def pdfminer_raw(data: bytes) -> list[str]:
    import io

    from pdfminer.high_level import extract_text

    return extract_text(io.BytesIO(data)).split("\f")


CONTENDERS: dict[str, tuple[Callable[[bytes], list[str]], int]] = {
    "kg reader (pypdfium2 + kg layout)": (kg_reader, 3),
    "pypdfium2 5 (get_text_range)": (pdfium_raw, 3),
    "pypdf (extract_text)": (pypdf_raw, 3),
    "pdfminer.six (extract_text)": (pdfminer_raw, 1),
}


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def quality(
    pages: list[str], truth: list[str], hyphenated: list[str], heads: list[str]
) -> dict[str, float]:
    """Word-order similarity, running heads left, broken hyphenated words."""
    text = "\n".join(pages)
    order = difflib.SequenceMatcher(
        None, _words(" ".join(truth)), _words(text), autojunk=False
    ).ratio()
    flat = " ".join(text.split())
    left = sum(flat.count(h) for h in heads) + len(re.findall(r"Page \d+ of \d+", flat))
    # a line-end break left as it was: "develop- ment", or PDFium's marker "develop\ufffement"
    broken = len(re.findall(r"[A-Za-z](?:[-\u2010] |[\ufffe\x02\xad] ?)[a-z]", flat))
    return {"order": order, "heads": left, "broken": broken, "words": len(hyphenated)}


def best_time(
    fn: Callable[[bytes], list[str]], data: bytes, repeat: int
) -> tuple[float, list[str]]:
    """The best CPU time of ``repeat`` runs (other work on the machine disturbs CPU time least)."""
    best, out = float("inf"), []
    for _ in range(repeat):
        started = time.process_time()
        out = fn(data)
        best = min(best, time.process_time() - started)
    return best, out


def parse_seconds(texts: list[str]) -> tuple[float, int]:
    """Bare spaCy ``nlp.pipe`` over ``texts`` (the baseline every kg benchmark uses)."""
    import spacy

    from kg.pipeline import DEFAULT_MODEL

    nlp = spacy.load(DEFAULT_MODEL)
    list(nlp.pipe(texts[:5]))  # warm up
    started = time.process_time()
    for _ in nlp.pipe(texts, batch_size=64):
        pass
    return time.process_time() - started, sum(len(t.split()) for t in texts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes")
    parser.add_argument("--pages", type=int, default=None, help="pages of the speed PDF")
    args = parser.parse_args(argv)
    n_pages = args.pages or (10 if args.quick else 40)
    work = Path(tempfile.mkdtemp(prefix="kg-bench-read-"))
    try:
        return run(n_pages, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(n_pages: int, work: Path) -> int:
    from kg.read.docx import docx_to_text

    paras = paragraphs()
    wrap = Wrapper()
    pages, truth = fill_pages(paras, wrap, n_pages)
    report = write_pdf(work / "report.pdf", pages, header=HEADER, footer=FOOTER, title="Plan")
    data = report.read_bytes()
    samples: list[tuple[str, bytes, list[str], list[str], list[str]]] = [
        (f"fpdf2 report, {n_pages} pages", data, truth, wrap.hyphenated, [HEADER])
    ]
    printed = chromium_pdf(paras, work, max(3, n_pages // 4))
    if printed is not None:
        path, chosen = printed
        samples.append(
            ("Chromium-printed report", path.read_bytes(), chosen, [], ["National Plan"])
        )

    # Reading cost against parsing the same words.
    read_s, kg_pages = best_time(kg_reader, data, 3)
    words = sum(len(p.split()) for p in kg_pages)
    parse_s, parsed_words = parse_seconds([p for p in kg_pages if p.strip()])
    blocks: list[tuple[str, object]] = []
    for i, para in enumerate(truth):
        if i % 8 == 0:
            blocks.append(("heading", f"Section {i // 8 + 1}"))
        blocks.append(("para", para))
        if i % 20 == 10:
            blocks.append(
                ("table", [["Body", "Budget"], ["Ministry of Finance", "150 billion yuan"]])
            )
    docx_path = write_docx(work / "report.docx", blocks)
    docx_s, docx_text = best_time(lambda b: [docx_to_text(b).text], docx_path.read_bytes(), 3)
    docx_words = len(docx_text[0].split())

    print("| figure | ratio / value | absolute (reference) |")
    print("|---|---|---|")
    print(
        f"| PDF reading / bare nlp.pipe parse, CPU time, same words | {read_s / parse_s:.3f} | "
        f"kg reads {n_pages / read_s:,.0f} pages/CPU s ({words / read_s:,.0f} words/CPU s, {read_s:.2f} s); "
        f"spaCy parses {n_pages * parsed_words / words / parse_s:,.1f} pages/CPU s "
        f"({parsed_words / parse_s:,.0f} words/CPU s, {parse_s:.1f} s) |"
    )
    print(
        f"| Word reading / parse, CPU time, same words | "
        f"{(docx_s / docx_words) / (parse_s / parsed_words):.3f} | "
        f"kg reads {docx_words / docx_s:,.0f} words/CPU s ({docx_s:.2f} s for {docx_words:,} words) |"
    )
    print()
    print(
        "| library | sample | pages per CPU s | word order (1 = true text) | running heads left | "
        "hyphenated words left broken | row-order two columns: left first |"
    )
    print("|---|---|---|---|---|---|---|")
    for sample, blob, truth_paras, hyphens, heads in samples:
        n = len(pdfium_raw(blob))
        for name, (fn, repeat) in CONTENDERS.items():
            seconds, out = best_time(fn, blob, repeat)
            q = quality(out, truth_paras, hyphens, heads)
            left_first = "-"
            if sample.startswith("fpdf2") and n >= 10:
                page = _words(out[9]) if len(out) > 9 else []
                interleaved = pages[9]
                first_left = _words(" ".join(interleaved.left[0]))[:6]
                first_right = _words(" ".join(interleaved.right[0]))[:6]
                text = " ".join(page)
                a, b = text.find(" ".join(first_left)), text.find(" ".join(first_right))
                left_first = "yes" if 0 <= a < b and _contiguous(page, interleaved) else "no"
            broken = f"{q['broken']:.0f}" + (f" of {q['words']:.0f}" if q["words"] else "")
            print(
                f"| {name} | {sample} | {n / seconds:,.0f} | {q['order']:.3f} | "
                f"{q['heads']:.0f} | {broken} | {left_first} |"
            )
    return 0


def _contiguous(page_words: list[str], page: Page) -> bool:
    """Is the left column's first paragraph read as one run of words (not interleaved)?"""
    first = _words(" ".join(page.left[0]))
    text = " ".join(page_words)
    return " ".join(first[:12]) in text


if __name__ == "__main__":
    sys.exit(main())
