"""Cross-document identity on the gold corpora: one node per real-world thing?

Extracts every gold document of ``../shared/eval/train`` and ``../shared/eval/dev``
(the learned model shipped with kg was trained on both, so extraction is
in-sample here), matches gold entities to extracted ones per document as
``kg eval`` does (strict, then relaxed, one to one), and builds the gold
cross-document identities: gold entities of different documents with the same
type and a shared normalised name or alias are one thing. Then it counts, for
the things that occur in two or more documents, how many map to exactly one
node before corpus resolution (local keys) and after it
(:func:`kg.resolve.corpus.resolve_corpus`), and the wrong merges: nodes holding
two different gold things.

Usage: ``.venv/bin/python bench/corpus_merge.py [--groups] [--json]``.

>>> groups = gold_groups([
...     {"id": "a", "entities": [{"id": "e1", "type": "Location", "name": "China"}]},
...     {"id": "b", "entities": [{"id": "e1", "type": "Location", "name": "Beijing",
...                               "aliases": ["China"]}]}])
>>> groups
[[('a', 'e1'), ('b', 'e1')]]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from kg.evaluate import _match, _relaxed_match, _strict_match, read_gold_dirs
from kg.model import Document, Extraction
from kg.resolve.corpus import CorpusResolution, LocalEntity, local_entities, resolve_corpus
from kg.resolve.merge import UnionFind
from kg.text import normalise_name

EVAL = Path(__file__).resolve().parent.parent.parent / "shared" / "eval"
FOLDERS = (EVAL / "train", EVAL / "dev")

GoldRef = tuple[str, str]
"""(document id, gold entity id)."""


def gold_groups(gold: Sequence[Mapping[str, Any]], min_documents: int = 2) -> list[list[GoldRef]]:
    """Gold things occurring in ``min_documents`` or more documents, as sorted references."""
    refs: list[GoldRef] = []
    first: dict[tuple[str, str], int] = {}
    pairs: list[tuple[int, int]] = []
    for g in gold:
        for e in g.get("entities", ()):
            i = len(refs)
            refs.append((str(g["id"]), str(e["id"])))
            for form in [e["name"], *e.get("aliases", ())]:
                norm = normalise_name(form, punctuation=True)
                if norm:
                    pairs.append((first.setdefault((e["type"], norm), i), i))
    uf = UnionFind(len(refs))
    for a, b in pairs:
        uf.union(a, b)
    groups: dict[int, list[GoldRef]] = defaultdict(list)
    for i, ref in enumerate(refs):
        groups[uf.find(i)].append(ref)
    multi = [sorted(m) for m in groups.values() if len({d for d, _ in m}) >= min_documents]
    return sorted(multi)


def _match_entities(g_ents: list[dict[str, Any]], p_ents: list[dict[str, Any]]) -> dict[int, int]:
    """Gold index → predicted index: strict pairs first, then relaxed (``kg eval``)."""
    strict = _match(len(g_ents), len(p_ents), lambda a, b: _strict_match(g_ents[a], p_ents[b]), {})
    return _match(
        len(g_ents), len(p_ents), lambda a, b: _relaxed_match(g_ents[a], p_ents[b]), strict
    )


def matched_keys(
    gold: Sequence[Mapping[str, Any]], extractions: Sequence[Extraction]
) -> dict[GoldRef, str]:
    """Gold reference → the local key of the extracted entity it matches (as ``kg eval``)."""
    by_id = {x.document.id: x for x in extractions}
    out: dict[GoldRef, str] = {}
    for g in gold:
        x = by_id.get(str(g["id"]))
        if x is None:
            continue
        g_ents = list(g.get("entities", ()))
        p_ents = list(x.to_gold_dict()["entities"])
        key_of = {e.id: e.key for e in x.entities}
        both = _match_entities(g_ents, p_ents)
        for gi, pi in both.items():
            out[(str(g["id"]), str(g_ents[gi]["id"]))] = key_of[p_ents[pi]["id"]]
    return out


def measure(
    groups: Sequence[Sequence[GoldRef]],
    keys: Mapping[GoldRef, str],
    node: Any,
    label: Mapping[GoldRef, str],
) -> dict[str, Any]:
    """One node per group of two or more documents? Nodes holding two gold things?

    ``groups`` are every gold thing (one document or more); ``node`` maps a local key
    to its node (identity before corpus resolution).
    """
    one = split = missed = 0
    holders: dict[str, set[int]] = defaultdict(set)
    for gi, members in enumerate(groups):
        found = [node(keys[r]) for r in members if r in keys]
        for n in found:
            holders[n].add(gi)
        if len({d for d, _ in members}) < 2:
            continue
        if len(found) < len(members):
            missed += 1
        elif len(set(found)) == 1:
            one += 1
        else:
            split += 1
    wrong = sorted(
        f"{n} <- " + " | ".join(sorted({label[groups[g][0]] for g in gs}))
        for n, gs in holders.items()
        if len(gs) > 1
    )
    return {"one_node": one, "split": split, "not_extracted": missed, "wrong_merges": wrong}


def synthetic(documents: int = 300, per_document: int = 50, seed: int = 15) -> list[LocalEntity]:
    """Made-up records shaped like real ones, for timing :func:`resolve_corpus` at scale.

    Names recur across documents, some as acronyms or surnames, persons serve bodies.

    >>> len(synthetic(3, 4)) == 12 and synthetic(3, 4) == synthetic(3, 4)
    True
    """
    rng = random.Random(seed)
    words = [f"{a}{b}" for a in ("na", "ko", "ri", "te", "mu", "sa") for b in "bdgklmnprstvz"]
    surnames = [w.title() for w in words[:40]]
    types = ("Organization", "Sector", "Policy", "Location")
    records = []
    for d in range(documents):
        for _ in range(per_document):
            kind = rng.random()
            if kind < 0.25:
                full = f"{rng.choice(surnames)} {rng.choice(words).title()}"
                name = full.split()[0] if rng.random() < 0.2 else full
                body = f"Organization/{rng.choice(words)} ministry"
                key, forms = f"Person/{name.lower()}", (name,)
                records.append(LocalEntity(f"d{d}", key, forms, ("Minister",), (body,)))
                continue
            long = " ".join(rng.choice(words) for _ in range(rng.randint(2, 4))).title()
            short = "".join(w[0] for w in long.split()).upper()
            forms = ((long,), (short,), (short, long))[int(kind * 8) % 3]
            key = f"{rng.choice(types)}/{forms[-1].lower()}"
            mentions = rng.randint(1, 5)
            records.append(LocalEntity(f"d{d}", key, tuple(sorted(forms)), mentions=mentions))
    return records


def run(show_groups: bool = False, folders: Sequence[Path] = FOLDERS) -> dict[str, Any]:
    """Extract, resolve and measure; the figures as a dict."""
    from kg.extraction import Extractor

    gold = read_gold_dirs(list(folders))
    extractor = Extractor.from_config(None)
    docs = [Document(id=g["id"], text=g["text"], source=g.get("source", "")) for g in gold]
    extractions = list(extractor(docs))
    entities = [le for x in extractions for le in local_entities(x)]
    t0 = time.process_time()
    resolution: CorpusResolution = resolve_corpus(entities)
    seconds = time.process_time() - t0
    big = synthetic()
    t0 = time.process_time()
    at_scale = resolve_corpus(big)
    scale_seconds = time.process_time() - t0
    groups = gold_groups(gold)
    every = gold_groups(gold, 1)
    label = {
        (str(g["id"]), str(e["id"])): f"{e['type']} {e['name']!r}"
        for g in gold
        for e in g.get("entities", ())
    }
    keys = matched_keys(gold, extractions)
    if show_groups:
        by_ref = {(str(g["id"]), str(e["id"])): e for g in gold for e in g.get("entities", ())}
        for members in groups:
            e = by_ref[members[0]]
            nodes = sorted({resolution.canonical_key(keys[r]) for r in members if r in keys})
            print(
                f"{e['type']:<12} {e['name']!r}: {len(members)} in {len({d for d, _ in members})} docs -> {nodes}"
            )
            for r in members:
                print(f"    {r[0]}: {by_ref[r]['name']!r} {keys.get(r, '-')}")
    return {
        "documents": len(gold),
        "local_entities": len(entities),
        "gold_things_in_2_or_more_documents": len(groups),
        "before": measure(every, keys, lambda k: k, label),
        "after": measure(every, keys, resolution.canonical_key, label),
        "merges": len(resolution.merges),
        "candidates": len(resolution.candidates),
        "resolve_cpu_seconds": round(seconds, 4),
        "synthetic": {
            "documents": 300,
            "local_entities": len(big),
            "merges": len(at_scale.merges),
            "candidates": len(at_scale.candidates),
            "resolve_cpu_seconds": round(scale_seconds, 4),
        },
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", action="store_true", help="print every gold group")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--gold", nargs="+", type=Path, default=list(FOLDERS), help="gold folders (train, dev)"
    )
    args = parser.parse_args(argv)
    figures = run(args.groups, args.gold)
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    n = figures["gold_things_in_2_or_more_documents"]
    print(f"{figures['documents']} documents, {figures['local_entities']} local entities")
    print(f"gold things in >= 2 documents: {n} (extraction in-sample: model trained on train+dev)")
    for when in ("before", "after"):
        m = figures[when]
        print(
            f"{when:<6}: one node {m['one_node']}/{n}, split {m['split']}, "
            f"not extracted in some document {m['not_extracted']}; "
            f"nodes holding two gold things {len(m['wrong_merges'])}"
        )
    added = sorted(set(figures["after"]["wrong_merges"]) - set(figures["before"]["wrong_merges"]))
    print(
        f"nodes holding two gold things that corpus resolution added ({len(added)}; judge by eye,"
    )
    print("gold things are grouped by shared names only, so synonyms count as two):")
    for line in added:
        print(f"    {line}")
    print(
        f"merges {figures['merges']}, candidates {figures['candidates']}, "
        f"resolve_corpus {figures['resolve_cpu_seconds']} s CPU"
    )
    syn = figures["synthetic"]
    print(
        f"synthetic: {syn['documents']} documents, {syn['local_entities']} local entities: "
        f"{syn['merges']} merges, {syn['candidates']} candidates, "
        f"resolve_corpus {syn['resolve_cpu_seconds']} s CPU"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
