"""Cross-validated fact scores: the learned refinement of each fold, then the facts step.

``kg eval --cv K`` scores facts on the rules' extraction (facts are found before the learned
classifiers run) and only for gold documents with their own ``facts``. This script follows
the pipeline's order instead: for each of the K folds of ``kg eval --cv`` (same seed), the
classifiers are trained on the other folds, refine the held-out documents' extraction, and
the facts step runs on the refined extraction; project fact annotations (``eval/facts/``)
are merged in. It prints the fact table of the cross-validated run and of the rules alone.

Run: ``.venv/bin/python bench/cv_facts.py ../shared/eval/train ../shared/eval/dev [--k 5]``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def main(argv: list[str] | None = None) -> int:
    """Print the cross-validated fact scores of the gold folders given."""
    import kg.extraction as extraction
    from kg.config import Config
    from kg.evaluate import read_gold_dirs
    from kg.evaluate_facts import merge_fact_annotations, read_fact_annotations, score_facts
    from kg.facts import add_facts
    from kg.learn.train import Example, fit_models, folds
    from kg.model import Document
    from kg.pipeline import load_pipeline

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gold", nargs="+")
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    gold = merge_fact_annotations(read_gold_dirs(args.gold), read_fact_annotations())
    by_id = {str(g["id"]): g for g in gold}
    ids = sorted(by_id)

    # the rules' extraction and the parsed chunks of every document, as the facts step gets them
    captured: dict[str, tuple[Any, Any]] = {}
    step = extraction.add_facts

    def capture(x: Any, chunks: Any) -> Any:
        captured[x.document.id] = (x, chunks)
        return step(x, chunks)

    extraction.add_facts = capture  # type: ignore[assignment]
    try:
        config = Config()
        nlp = load_pipeline(config.model, patterns=config.patterns)
        docs = [Document(d, by_id[d]["text"], by_id[d].get("source", "")) for d in ids]
        list(extraction.extract_documents(docs, nlp, learned=False))
    finally:
        extraction.add_facts = step  # type: ignore[assignment]

    cv: dict[str, dict[str, Any]] = {}
    for fold in folds(ids, args.k, args.seed):
        held = set(fold)
        models = fit_models(
            [Example(by_id[d], captured[d][0]) for d in ids if d not in held], seed=args.seed
        )
        for d in sorted(held):
            x, chunks = captured[d]
            cv[d] = add_facts(models.refine(x), chunks).to_gold_dict()
    rules = {d: add_facts(*captured[d]).to_gold_dict() for d in ids}
    ordered = [by_id[d] for d in ids]
    print(f"{args.k}-fold cross-validation, facts found after each fold's refinement")
    print(score_facts(ordered, [cv[d] for d in ids]).to_table())
    print("\nrules alone (no learned refinement)")
    print(score_facts(ordered, [rules[d] for d in ids]).to_table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
