"""Fact errors by class, on the 5-fold CV extraction of train+dev (and on dev alone).

``capture`` runs the cross-validation once (as ``kg eval --cv 5``) and keeps, for every
document, the refined extraction *before* facts and its parsed chunks; ``report`` then
re-runs only the facts step (the current code of ``kg/facts``) on those inputs, scores it
like ``kg eval`` and lists every gold fact with what kg predicted, by error class:

- ``ok``: value and subject right (strict);
- ``value-wrong``: no prediction with the gold value;
- ``subject-missing``: the value was found, with no subject;
- ``subject-wrong``: the value was found, attached to another entity (``unextracted``
  when no predicted entity matches the gold subject at all);
- ``role-wrong``: a date right with the wrong role.

    .venv/bin/python bench/fact_errors.py capture ../shared/eval/train ../shared/eval/dev
    .venv/bin/python bench/fact_errors.py report [--kind Amount] [--cv|--dev] [--quiet]
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from collections import Counter
from pathlib import Path
from typing import Any

CACHE = Path("/tmp/kg-fact-errors")


def capture(gold_dirs: list[str]) -> None:
    import kg.extraction as ex
    from kg.evaluate import read_gold_dirs
    from kg.evaluate_facts import merge_fact_annotations, read_fact_annotations
    from kg.extraction import Extractor
    from kg.learn.train import Recipe, cross_validate

    kept: dict[str, tuple[Any, list[tuple[bytes, int]], Any]] = {}
    real = ex.add_facts

    def spy(extraction: Any, chunks: Any) -> Any:
        out = real(extraction, chunks)
        kept[extraction.document.id] = (
            extraction,
            [(d.to_bytes(exclude=["user_data"]), off) for d, off in chunks],
            out.to_gold_dict()["facts"],
        )
        return out

    ex.add_facts = spy  # type: ignore[assignment]
    CACHE.mkdir(exist_ok=True)
    gold = merge_fact_annotations(read_gold_dirs(gold_dirs), read_fact_annotations())
    learned, _ = cross_validate(gold, 5, recipe=Recipe(), progress=print)
    (CACHE / "cv_report.json").write_text(json.dumps(learned.to_dict(), indent=1))
    with open(CACHE / "cv.pkl", "wb") as f:
        pickle.dump(kept, f)
    # dev alone, as `kg eval ../shared/eval/dev` (the default model, no fold)
    kept.clear()
    dev = [d for d in gold_dirs if d.rstrip("/").endswith("dev")]
    if dev:
        dgold = merge_fact_annotations(read_gold_dirs(dev), read_fact_annotations())
        from kg.model import Document

        list(
            Extractor.from_config(None)(
                [Document(id=g["id"], text=g["text"], source=g.get("source", "")) for g in dgold]
            )
        )
        with open(CACHE / "dev.pkl", "wb") as f:
            pickle.dump(kept, f)


def _load(name: str) -> dict[str, Any]:
    import spacy
    from spacy.tokens import Doc

    with open(CACHE / f"{name}.pkl", "rb") as f:
        kept = pickle.load(f)
    vocab = spacy.blank("en").vocab  # lexeme attributes (lower_, like_num) need a language
    return {
        k: (x, [(Doc(vocab).from_bytes(b), off) for b, off in chunks], real)
        for k, (x, chunks, real) in kept.items()
    }


def report(
    which: str, kind: str | None, quiet: bool, gold_dirs: list[str], check: bool = False
) -> None:
    from kg.evaluate import _relaxed_match, _strict_match, read_gold_dirs
    from kg.evaluate_facts import (
        merge_fact_annotations,
        read_fact_annotations,
        score_facts,
        value_matches,
    )
    from kg.facts import add_facts

    inputs = _load(which)
    gold = merge_fact_annotations(read_gold_dirs(gold_dirs), read_fact_annotations())
    gold = [g for g in gold if "facts" in g and g["id"] in inputs]
    preds = {}
    for g in gold:
        x, chunks, real = inputs[g["id"]]
        preds[g["id"]] = add_facts(x, chunks).to_gold_dict()
        if check and preds[g["id"]]["facts"] != real:
            print("MISMATCH", g["id"], file=sys.stderr)
    rep = score_facts(gold, list(preds.values()))
    classes: Counter[tuple[str, str]] = Counter()
    lines = []
    for g in gold:
        p = preds[g["id"]]
        g_ents = {e["id"]: e for e in g.get("entities", ())}
        p_ents = {e["id"]: e for e in p.get("entities", ())}
        p_facts = [f for f in p.get("facts", ()) if f["type"] != "Statement"]
        for gf in g["facts"]:
            if gf["type"] == "Statement" or (kind and gf["type"] != kind):
                continue
            same = [pf for pf in p_facts if value_matches(gf, pf)]
            gs = g_ents.get(gf.get("subject"), {})

            good = [
                pf
                for pf in same
                if gs and pf.get("subject") in p_ents and _strict_match(gs, p_ents[pf["subject"]])
            ]
            if good:
                cls = "ok"
                if gf["type"] == "Date" and all(pf.get("role") != gf.get("role") for pf in good):
                    cls = "role-wrong"
            elif not same:
                cls = "value-wrong"
            elif all(pf.get("subject") is None for pf in same):
                cls = "subject-missing"
            else:
                cls = "subject-wrong"
            extracted = any(_strict_match(gs, e) for e in p_ents.values()) if gs else False
            if cls in ("subject-missing", "subject-wrong") and not extracted:
                # the gold subject is not among the predicted entities: under another type
                # (the same name), only in part (relaxed), or not at all
                retyped = [{**e, "type": gs.get("type")} for e in p_ents.values()]
                named = [e for e in retyped if _strict_match(gs, e)]
                near = [e for e in retyped if _relaxed_match(gs, e)]
                if named:
                    chosen = any(pf.get("subject") in {e["id"] for e in named} for pf in same)
                    cls += "/other-type" + ("(attached)" if chosen else "")
                elif near:
                    chosen = any(pf.get("subject") in {e["id"] for e in near} for pf in same)
                    cls += "/partial-name" + ("(attached)" if chosen else "")
                else:
                    cls += "/unextracted"
            classes[(gf["type"], cls)] += 1
            if cls != "ok" and not quiet:
                shown = [
                    f"{pf['value']}->{p_ents.get(pf.get('subject'), {}).get('name')}"
                    f"({p_ents.get(pf.get('subject'), {}).get('type')})"
                    f"[{pf.get('subject_rule', '')}]"
                    for pf in same
                ]
                lines.append(
                    f"{gf['type']:8} {cls:28} {g['id'][:38]:38} {gf['text']!r:28} "
                    f"gold={gs.get('name')!r}({gs.get('type')}) role={gf.get('role')} "
                    f"pred={shown}"
                )
    print("\n".join(sorted(lines)))
    for key, n in sorted(classes.items()):
        print(f"{key[0]:9} {key[1]:30} {n}")
    for t in ("Amount", "Percent", "Date", "Statement"):
        row = rep.to_dict()["types"][t]
        print(
            f"{t:9} strict F1 {row['strict']['f1']:.3f} relaxed {row['relaxed']['f1']:.3f} "
            f"value {row['value']['f1']:.3f}  gold {row['gold']} pred {row['predicted']}"
        )
    print(f"date roles {rep.role_accuracy('strict'):.3f}; documents {rep.documents}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=("capture", "report"))
    ap.add_argument("gold", nargs="*", default=["../shared/eval/train", "../shared/eval/dev"])
    ap.add_argument("--kind")
    ap.add_argument("--dev", action="store_true")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    if a.mode == "capture":
        capture(a.gold)
    else:
        dirs = [d for d in a.gold if d.rstrip("/").endswith("dev")] if a.dev else a.gold
        report("dev" if a.dev else "cv", a.kind, a.quiet, dirs, a.check)


if __name__ == "__main__":
    sys.exit(main())
