"""Profile one in-process ``kg.build`` with cProfile and summarise where the time goes.

``python bench/profile_build.py CORPUS OUT_DIR [--stats FILE]`` prints one JSON
object: total seconds, self time by area (each kg module, spaCy/thinc,
rdflib, pyoxigraph, other), cumulative time of kg's stage functions, and the
kg functions with the most self time.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
from pathlib import Path

STAGES: dict[str, tuple[str, str]] = {
    "read: iter_documents": ("kg/read/paths.py", "_file_documents"),
    "pipeline: load_pipeline": ("kg/pipeline/load.py", "load_pipeline"),
    "spaCy: Language.pipe (whole nlp.pipe incl. kg components)": ("spacy/language.py", "pipe"),
    "kg_entities component (__call__)": ("kg/pipeline/entities.py", "__call__"),
    "kg_relations component (__call__)": ("kg/pipeline/relations.py", "__call__"),
    "extract: _build (Doc → records)": ("kg/extraction.py", "_build"),
    "resolve: resolve": ("kg/resolve/__init__.py", "resolve"),
    "rdf: extraction_quads": ("kg/rdf.py", "extraction_quads"),
    "store: replace_documents (incl. quads)": ("kg/store/dataset.py", "replace_documents"),
    "store: to_ox_quad": ("kg/store/dataset.py", "to_ox_quad"),
    "store: summarise (count queries)": ("kg/store/summary.py", "summarise"),
    "graph: _write_build_graph": ("kg/graph.py", "_write_build_graph"),
    "outputs: write_outputs (trig + html + json)": ("kg/outputs.py", "write_outputs"),
    "store: dump (graph.trig)": ("kg/store/dataset.py", "dump"),
    "network: to_networkx": ("kg/views/network.py", "to_networkx"),
    "html: write_html": ("kg/views/html.py", "write_html"),
}


def area(filename: str) -> str:
    """The part of the stack a profiled function belongs to.

    >>> area("/work/main/kg/rdf.py")
    'kg/rdf.py'
    >>> area("/x/site-packages/thinc/model.py")
    'spaCy/thinc (model)'
    """
    norm = "/" + filename.replace("\\", "/").lstrip("/")
    if "/kg/" in norm and "site-packages" not in norm:
        return "kg/" + norm.rsplit("/kg/", 1)[1]
    for key, name in (
        ("/spacy/", "spaCy/thinc (model)"),
        ("/thinc/", "spaCy/thinc (model)"),
        ("/numpy/", "spaCy/thinc (model)"),
        ("/rdflib/", "rdflib"),
        ("/oxrdflib/", "oxrdflib"),
        ("/networkx/", "networkx"),
        ("/pyvis/", "pyvis/jinja2"),
        ("/jinja2/", "pyvis/jinja2"),
    ):
        if key in norm:
            return name
    return "other"


def _builtin_area(name: str) -> str:
    if "pyoxigraph" in name:
        return "pyoxigraph (native)"
    if any(k in name for k in ("thinc", "spacy", "numpy", "cymem", "preshed", "srsly")):
        return "spaCy/thinc (model)"
    return "builtins"


def summarise(stats: pstats.Stats, top: int = 15) -> dict[str, object]:
    """Self time by area, stage cumulative times and the top kg functions, from ``stats``."""
    raw = stats.stats  # type: ignore[attr-defined]
    total = sum(v[2] for v in raw.values())
    by_area: dict[str, float] = {}
    kg_funcs: list[tuple[float, float, int, str]] = []
    stage_cum: dict[str, float] = {}
    for (filename, line, name), (_cc, nc, tt, ct, _callers) in raw.items():
        where = area(filename) if filename != "~" else _builtin_area(name)
        by_area[where] = by_area.get(where, 0.0) + tt
        if where.startswith("kg/"):
            kg_funcs.append((tt, ct, nc, f"{where}:{line} {name}"))
        for label, (file_end, func) in STAGES.items():
            want, _, which = func.partition("#")
            if not filename.replace("\\", "/").endswith(file_end) or name != want:
                continue
            if which and which not in _class_hint(filename, line):
                continue
            # recursive/generator entries: keep the largest cumulative time seen
            stage_cum[label] = max(stage_cum.get(label, 0.0), ct)
    kg_funcs.sort(reverse=True)
    return {
        "total_seconds": total,
        "self_by_area": dict(sorted(by_area.items(), key=lambda kv: -kv[1])),
        "stages": stage_cum,
        "top_kg_self": [
            {"function": f, "self_s": tt, "cum_s": ct, "calls": nc}
            for tt, ct, nc, f in kg_funcs[:top]
        ],
    }


def _class_hint(filename: str, line: int) -> str:
    """``entities`` or ``relations``: which kg component class a ``__call__`` at ``line`` is in."""
    try:
        lines = Path(filename).read_text(encoding="utf-8").splitlines()[:line]
    except OSError:
        return ""
    for text in reversed(lines):
        if text.startswith("class "):
            low = text.lower()
            return "relations" if "relation" in low else "entities" if "entit" in low else ""
    return ""


def main(argv: list[str] | None = None) -> int:
    """Build ``CORPUS`` into ``OUT_DIR`` under cProfile and print the summary as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--stats", type=Path, help="also save the raw pstats here")
    args = parser.parse_args(argv)

    import kg

    profiler = cProfile.Profile()
    profiler.enable()
    graph = kg.build(files=[args.corpus], path=args.out)
    profiler.disable()
    graph.close()
    if args.stats:
        profiler.dump_stats(str(args.stats))
    print(json.dumps(summarise(pstats.Stats(profiler))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
