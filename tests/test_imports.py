"""What importing kg costs, and spaCy finding kg's components on its own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kg.pipeline import fresh_pipeline


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    return done.stdout.strip()


def test_reading_a_graph_does_not_import_spacy():
    # read-only commands (query, validate, review, serve) import kg, its store and resolution
    code = (
        "import sys, kg, kg.query, kg.validate, kg.resolve.corpus_rules, kg.cli.commands\n"
        "kg.KnowledgeGraph\n"
        "print('spacy' in sys.modules)"
    )
    assert _run(code) == "False"


def test_lazy_names_of_kg_resolve_on_use():
    code = "import kg\nprint(kg.train.__module__, kg.EvalReport.__name__, kg.TrainResult.__name__)"
    assert _run(code) == "kg.learn.train EvalReport TrainResult"


def test_a_saved_kg_pipeline_loads_with_plain_spacy(tmp_path: Path):
    nlp = fresh_pipeline(learned=True)
    nlp.to_disk(tmp_path / "pipe")
    # a fresh process that never imports kg: spaCy finds the factories by entry point
    code = (
        "import spacy, sys\n"
        f"nlp = spacy.load({str(tmp_path / 'pipe')!r})\n"
        "doc = nlp('The Ministry of Finance issued the Clean Energy Plan in Canberra.')\n"
        "print(' '.join(n for n in nlp.pipe_names if n.startswith('kg_')), len(doc._.kg_mentions) > 0)"
    )
    assert _run(code) == "kg_sentences kg_entities kg_relations kg_learned True"
