"""Relation errors by class, on a cached 5-fold CV of train+dev.

``cache`` runs the rules once over every gold text and keeps the extractions;
``cv`` retrains the classifiers per fold (as ``kg eval --cv 5`` does, without span
fine-tuning) on the cached extractions and scores the held-out refined extractions
(entities and relations: facts are not attached here), so a feature change can be
measured in a minute; ``--errors`` lists false positives and negatives of a predicate
by class (same sentence or not, distance, words between, whether the ends are right).

    .venv/bin/python bench/relation_errors.py cache ../shared/eval/train ../shared/eval/dev
    .venv/bin/python bench/relation_errors.py cv [--seed 0] [--errors issuedBy]
"""

from __future__ import annotations

import argparse
import pickle
from collections import Counter
from pathlib import Path
from typing import Any

CACHE = Path("/tmp/kg-relation-errors.pkl")


def cache(gold_dirs: list[str]) -> None:
    from kg.evaluate import read_gold_dirs
    from kg.learn.train import Recipe, prepare

    gold = read_gold_dirs(gold_dirs)
    ordered = sorted(gold, key=lambda g: str(g["id"]))
    examples = prepare(ordered, Recipe().pipeline(()))
    with open(CACHE, "wb") as f:
        pickle.dump(examples, f)
    print(f"{len(examples)} documents cached in {CACHE}")


def run_cv(seed: int, k: int = 5) -> tuple[Any, list[Any], dict[str, Any]]:
    from kg.evaluate import score
    from kg.learn.train import fit_models, folds

    with open(CACHE, "rb") as f:
        examples = pickle.load(f)
    by_id = {str(ex.gold["id"]): ex for ex in examples}
    refined: dict[str, Any] = {}
    for fold in folds(list(by_id), k, seed):
        held = set(fold)
        models = fit_models([by_id[d] for d in sorted(by_id) if d not in held], seed=seed)
        for d in sorted(held):
            refined[d] = models.refine(by_id[d].extraction)
    ids = sorted(by_id)
    gold = [by_id[d].gold for d in ids]
    report = score(gold, [refined[d].to_gold_dict() for d in ids])
    return report, gold, refined


def summary(report: Any) -> str:
    from kg.model import PREDICATES

    parts = [f"ent {report.f1('entities'):.3f}", f"rel {report.f1('relations'):.3f}"]
    for p in PREDICATES:
        parts.append(
            f"{p} {report.f1('relations', p):.3f}"
            f"(P{report.precision('relations', p):.2f} R{report.recall('relations', p):.2f})"
        )
    return "  ".join(parts)


def errors(gold: list[dict[str, Any]], refined: dict[str, Any], predicate: str, top: int) -> None:
    """False positives and negatives of ``predicate``, by class."""
    from kg.evaluate import _relaxed_match
    from kg.learn.features import DocumentView, words

    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    tp: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    for g in gold:
        x = refined[str(g["id"])]
        view = DocumentView(x)
        pd = x.to_gold_dict()
        p_by = {e["id"]: e for e in pd["entities"]}
        g_by = {e["id"]: e for e in g.get("entities", ())}
        g_rels = [
            r
            for r in g.get("relations", ())
            if r["predicate"] == predicate and r["subject"] in g_by and r["object"] in g_by
        ]
        p_rels = [r for r in pd["relations"] if r["predicate"] == predicate]

        def gmatch(pe: dict[str, Any], g_by: dict[str, Any] = g_by) -> list[str]:
            return [ge["id"] for ge in g_by.values() if _relaxed_match(ge, pe)]

        def describe(s: str, o: str, view: DocumentView = view) -> str:
            es, eo = view.by_id[s], view.by_id[o]
            best = min(
                (
                    (abs(view.sentence_index(ms) - view.sentence_index(mo)), ms, mo)
                    for ms in es.mentions
                    for mo in eo.mentions
                ),
                key=lambda t: t[0],
            )
            dist = best[0]
            cls = "same" if dist == 0 else f"d{min(dist, 3)}"
            return cls

        used: set[int] = set()
        for r in p_rels:
            gs, go = gmatch(p_by[r["subject"]]), gmatch(p_by[r["object"]])
            hit = None
            for i, gr in enumerate(g_rels):
                if i not in used and gr["subject"] in gs and gr["object"] in go:
                    hit = i
                    break
            cls = describe(r["subject"], r["object"])
            ends = ("S" if gs else "s") + ("O" if go else "o")
            key = f"{cls} ends={ends} rank={view.rank.get(r['object'])}"
            if hit is not None:
                used.add(hit)
                tp[key] += 1
            else:
                fp[key] += 1
                es, eo = view.by_id[r["subject"]], view.by_id[r["object"]]
                line = f"{g['id'][:30]}: {es.name[:40]!r} -> {eo.name[:40]!r}"
                if cls == "same":
                    ms = es.mentions[0]
                    for a in es.mentions:
                        for b in eo.mentions:
                            if view.sentence_index(a) == view.sentence_index(b):
                                lo, hi = sorted((a, b), key=lambda m: m.start)
                                between = words(view.text[lo.end : hi.start])
                                line += " | " + " ".join(between[:12])
                                break
                        else:
                            continue
                        break
                    del ms
                examples.setdefault(key, []).append(line)
        for i, gr in enumerate(g_rels):
            if i in used:
                continue
            gs, go = g_by[gr["subject"]], g_by[gr["object"]]
            ps = [e.id for e in x.entities if _relaxed_match(gs, p_by[e.id])]
            po = [e.id for e in x.entities if _relaxed_match(go, p_by[e.id])]
            if not ps or not po:
                fn[f"missing-end {'S' if ps else 's'}{'O' if po else 'o'}"] += 1
                continue
            cls = min(describe(s, o) for s in ps for o in po)
            fn[cls] += 1
            examples.setdefault("FN " + cls, []).append(
                f"{g['id'][:30]}: {gs['name'][:40]!r} -> {go['name'][:40]!r}"
            )
    print(f"== {predicate}: TP {sum(tp.values())} FP {sum(fp.values())} FN {sum(fn.values())}")
    print("TP classes:", tp.most_common(top))
    print("FP classes:", fp.most_common(top))
    for name, counts in (("TP", tp), ("FP", fp)):
        by_ends: Counter[str] = Counter()
        by_dist: Counter[str] = Counter()
        for key, n in counts.items():
            by_ends[key.split()[1]] += n
            by_dist[key.split()[0]] += n
        print(f"{name} by ends:", dict(by_ends), " by distance:", dict(by_dist))
    print("FN classes:", fn.most_common(top))
    for key, lines in sorted(examples.items(), key=lambda kv: -len(kv[1]))[:8]:
        print(f"-- {key} ({len(lines)})")
        for line in lines[:top]:
            print("   ", line)


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("cache")
    c.add_argument("dirs", nargs="+")
    v = sub.add_parser("cv")
    v.add_argument("--seed", type=int, default=0)
    v.add_argument("--errors", action="append", default=[])
    v.add_argument("--top", type=int, default=12)
    args = ap.parse_args()
    if args.cmd == "cache":
        cache(args.dirs)
        return
    report, gold, refined = run_cv(args.seed)
    print(summary(report))
    for p in args.errors:
        errors(gold, refined, p, args.top)


if __name__ == "__main__":
    main()
