"""Deterministic benchmark corpora made by recombining the paragraphs of ``examples/``.

Two shapes: article-sized files (300-600 words, for build throughput) and many
small files of one to three sentences (for memory with 10,000 documents). The
same seed always gives the same files, so runs are comparable.

>>> paras = ["One two three.", "Four five six seven."]
>>> docs = list(article_texts(paras, 20, seed=1, min_words=5, max_words=8))
>>> sum(len(d.split()) for d in docs) >= 20
True
>>> docs == list(article_texts(paras, 20, seed=1, min_words=5, max_words=8))
True
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
"""The hand-written example articles the corpora are recombined from."""

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“])")


@dataclass(frozen=True)
class Corpus:
    """Files written for a benchmark run."""

    root: Path
    """Folder holding the ``.txt`` files."""
    files: int
    words: int
    """Whitespace-separated words, counted as ``kg build`` counts them."""


def paragraphs(folder: Path = EXAMPLES) -> list[str]:
    """Body paragraphs of every example file (headings and very short lines dropped).

    >>> len(paragraphs()) > 20
    True
    """
    out: list[str] = []
    for path in sorted(folder.iterdir()):
        if path.suffix not in (".txt", ".md"):
            continue
        for block in path.read_text(encoding="utf-8").split("\n\n"):
            block = " ".join(block.split())
            if block.startswith("#") or len(block.split()) < 12:
                continue
            out.append(block)
    return out


def sentences(paras: Sequence[str]) -> list[str]:
    """The sentences of ``paras`` (a simple punctuation split, good enough for recombining).

    >>> sentences(["It rained all day. Then it stopped at night."])
    ['It rained all day.', 'Then it stopped at night.']
    """
    return [s for p in paras for s in _SENTENCE.split(p) if len(s.split()) >= 4]


def article_texts(
    paras: Sequence[str], total_words: int, *, seed: int, min_words: int = 300, max_words: int = 600
) -> Iterator[str]:
    """Article texts of ``min_words``-``max_words`` words until ``total_words`` are reached.

    Each article is a random run of paragraphs (without repeats inside one
    article), separated by blank lines as real articles are.
    """
    rng = random.Random(seed)
    done = 0
    while done < total_words:
        target = rng.randint(min_words, max_words)
        order = list(paras)
        rng.shuffle(order)
        chosen: list[str] = []
        words = 0
        for para in order:
            if words >= target:
                break
            chosen.append(para)
            words += len(para.split())
        done += words
        yield "\n\n".join(chosen) + "\n"


def small_texts(sents: Sequence[str], n: int, *, seed: int) -> Iterator[str]:
    """``n`` short texts of one to three random sentences each.

    >>> list(small_texts(["A b c d.", "E f g h."], 2, seed=3))[0].endswith(".\\n")
    True
    """
    rng = random.Random(seed)
    for _ in range(n):
        yield " ".join(rng.choices(sents, k=rng.randint(1, 3))) + "\n"


def tiny_texts(sents: Sequence[str], n: int, *, seed: int, max_words: int = 12) -> Iterator[str]:
    """``n`` one-line texts: a sentence cut to at most ``max_words`` words.

    >>> list(tiny_texts(["A b c d e f."], 1, seed=3, max_words=3))
    ['A b c.\\n']
    """
    rng = random.Random(seed)
    for _ in range(n):
        words = rng.choice(sents).split()[:max_words]
        yield " ".join(words).rstrip(".,;:") + ".\n"


def write_texts(texts: Iterator[str], root: Path, prefix: str = "doc") -> Corpus:
    """Write ``texts`` as ``root/<prefix>-000001.txt``... (100 files per subfolder).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     write_texts(iter(["a b\\n", "c\\n"]), Path(tmp)).words
    3
    """
    root.mkdir(parents=True, exist_ok=True)
    files = words = 0
    for i, text in enumerate(texts, 1):
        sub = root / f"part-{(i - 1) // 100:04d}"
        sub.mkdir(exist_ok=True)
        (sub / f"{prefix}-{i:06d}.txt").write_text(text, encoding="utf-8")
        files += 1
        words += len(text.split())
    return Corpus(root=root, files=files, words=words)


def make_articles(root: Path, total_words: int, *, seed: int = 6) -> Corpus:
    """Write an article corpus of at least ``total_words`` words into ``root``."""
    return write_texts(article_texts(paragraphs(), total_words, seed=seed), root, "article")


def make_small_docs(root: Path, n: int, *, seed: int = 7, tiny: bool = False) -> Corpus:
    """Write ``n`` small documents (one to three sentences, or one clipped one) into ``root``."""
    sents = sentences(paragraphs())
    texts = tiny_texts(sents, n, seed=seed) if tiny else small_texts(sents, n, seed=seed)
    return write_texts(texts, root, "note")


def read_corpus(root: Path) -> list[str]:
    """The texts of a corpus in file order (what the bare-spaCy baseline parses).

    >>> read_corpus(Path("/nonexistent"))
    []
    """
    return [p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.txt"))]
