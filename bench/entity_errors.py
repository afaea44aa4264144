"""Entity errors by class, on the 5-fold CV extraction of train+dev.

``capture`` runs the cross-validation once (as ``kg eval --cv 5``) and keeps every held-out
prediction; ``report`` matches gold and predicted entities per document (strict, then relaxed,
as :mod:`kg.evaluate`) and groups what is left by class and by head word, not by document:

- ``type``: a gold entity found under another type (same-surface match ignoring type);
- ``boundary``: found with the right type but a name that shares content words and is not a
  relaxed match (shorter or longer);
- ``missed``: no prediction shares content words with it (grouped by its last word);
- ``spurious``: a prediction that matches nothing (grouped by its last word).

    .venv/bin/python bench/entity_errors.py capture ../shared/eval/train ../shared/eval/dev
    .venv/bin/python bench/entity_errors.py report [--type Policy] [--top 30]
"""

from __future__ import annotations

import argparse
import json
import pickle
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

CACHE = Path("/tmp/kg-entity-errors")


def capture(gold_dirs: list[str]) -> None:
    import kg.learn.train as tr
    from kg.evaluate import read_gold_dirs

    kept: list[Any] = []
    real = tr.score

    def spy(gold: Any, predicted: Any) -> Any:
        kept.append((list(gold), list(predicted)))
        return real(gold, predicted)

    tr.score = spy  # type: ignore[assignment]
    CACHE.mkdir(exist_ok=True)
    gold = read_gold_dirs(gold_dirs)
    learned, rules = tr.cross_validate(gold, 5, recipe=tr.Recipe(), progress=print)
    (CACHE / "cv_report.json").write_text(json.dumps(learned.to_dict(), indent=1))
    with open(CACHE / "cv.pkl", "wb") as f:
        pickle.dump({"rules": kept[0], "learned": kept[1]}, f)
    print(learned.to_table())


def _forms(e: dict[str, Any]) -> list[str]:
    return [e.get("name", "")] + list(e.get("aliases", ()))


def _words(e: dict[str, Any]) -> list[set[str]]:
    from kg.text import content_words

    return [c for c in (content_words(f) for f in _forms(e)) if c]


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> float:
    return max((len(x & y) / len(x | y) for x in _words(a) for y in _words(b)), default=0.0)


def _head(e: dict[str, Any]) -> str:
    words = e.get("name", "").replace("’", "'").split()
    return words[-1].lower().strip(".,'\"()") if words else ""


def report(kind: str | None, top: int, which: str) -> None:
    from kg.evaluate import _match, _relaxed_match, _strict_match

    with open(CACHE / "cv.pkl", "rb") as f:
        golds, preds = pickle.load(f)[which]
    by_id = {p.get("id"): p for p in preds}
    classes: dict[str, list[tuple[str, str, str, str]]] = defaultdict(list)
    for g in golds:
        p = by_id.get(g["id"], {})
        ge, pe = list(g.get("entities", ())), list(p.get("entities", ()))
        s = _match(len(ge), len(pe), lambda i, j, ge=ge, pe=pe: _strict_match(ge[i], pe[j]), {})
        r = _match(len(ge), len(pe), lambda i, j, ge=ge, pe=pe: _relaxed_match(ge[i], pe[j]), s)
        gl = [i for i in range(len(ge)) if i not in r]
        pl = {j for j in range(len(pe)) if j not in set(r.values())}
        for i in gl:
            e = ge[i]
            best = max(pl, key=lambda j: _overlap(e, pe[j]), default=None)
            ov = _overlap(e, pe[best]) if best is not None else 0.0
            if best is not None and ov >= 0.5 and pe[best]["type"] != e["type"]:
                q = pe[best]
                cls = f"type {e['type']}->{q['type']}"
                classes[cls].append((_head(e), e["name"], q["name"], g["id"]))
                pl.discard(best)
            elif best is not None and ov > 0 and pe[best]["type"] == e["type"]:
                q = pe[best]
                n_g, n_p = len(q["name"]), len(e["name"])
                side = "longer" if n_g > n_p else "shorter"
                classes[f"boundary {e['type']} ({side})"].append(
                    (_head(e), e["name"], q["name"], g["id"])
                )
                pl.discard(best)
            else:
                classes[f"missed {e['type']}"].append((_head(e), e["name"], "", g["id"]))
        for j in pl:
            q = pe[j]
            classes[f"spurious {q['type']}"].append((_head(q), q["name"], "", g["id"]))
    for cls in sorted(classes, key=lambda c: -len(classes[c])):
        if kind and kind not in cls:
            continue
        items = classes[cls]
        print(f"\n=== {cls}: {len(items)}")
        heads = Counter(h for h, *_ in items)
        for h, n in heads.most_common(top):
            ex = [f"{a!r}" + (f" ~ {b!r}" if b else "") for hh, a, b, _ in items if hh == h]
            print(f"  {n:3d} {h:<16} {'; '.join(ex[:4])}")


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("capture")
    c.add_argument("gold", nargs="+")
    r = sub.add_parser("report")
    r.add_argument("--type")
    r.add_argument("--top", type=int, default=25)
    r.add_argument("--rules", action="store_true", help="the base rules, not the CV learned")
    a = ap.parse_args()
    if a.cmd == "capture":
        capture(a.gold)
    else:
        report(a.type, a.top, "rules" if a.rules else "learned")


if __name__ == "__main__":
    main()
