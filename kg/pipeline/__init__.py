"""The spaCy pipeline of kg: a stock model plus kg's registered components.

The modules follow the flow of one ``Doc``:

- :mod:`~kg.pipeline.load`: ``load_pipeline`` / ``fresh_pipeline``, the one way to get an ``nlp``;
- :mod:`~kg.patterns.rules`: rule files (``kg/patterns/`` and the user's) read into a ``RuleSet``;
- :mod:`~kg.pipeline.entities`: the ``kg_entities`` component, which runs
  :mod:`~kg.pipeline.candidates` (with the span rules of :mod:`~kg.pipeline.spans`) and
  :mod:`~kg.pipeline.select` (overlaps and nesting) into ``doc._.kg_mentions``;
- :mod:`~kg.pipeline.relations`: the ``kg_relations`` component, dependency rules
  (:mod:`~kg.pipeline.matcher`) and the rules of :mod:`~kg.pipeline.links`, into
  ``doc._.kg_relations``;
- :mod:`~kg.pipeline.mentions`: the ``Doc`` extensions and the ``Candidate`` record;
  :mod:`~kg.pipeline.words`: the word lists the rules consult.

Both components keep their settings as factory arguments, so ``nlp.config`` records
them, and both read rules from data files (``kg/patterns/``) plus any files the user passes.

>>> [p.name for p in BUNDLED_PATTERN_FILES][:2]
['builtin.jsonl', 'countries.jsonl']
"""

from kg.config import DEFAULT_MODEL
from kg.patterns.rules import BUNDLED_PATTERN_FILES, PATTERN_DIR, RuleSet, read_rule_file
from kg.pipeline.entities import DEFAULT_LABEL_MAP, KGEntities, make_kg_entities
from kg.pipeline.load import fresh_pipeline, lexicon_names, load_pipeline
from kg.pipeline.mentions import Candidate, mention_span
from kg.pipeline.relations import KGRelations, make_kg_relations

__all__ = [
    "BUNDLED_PATTERN_FILES",
    "DEFAULT_LABEL_MAP",
    "DEFAULT_MODEL",
    "PATTERN_DIR",
    "Candidate",
    "KGEntities",
    "KGRelations",
    "RuleSet",
    "fresh_pipeline",
    "lexicon_names",
    "load_pipeline",
    "make_kg_entities",
    "make_kg_relations",
    "mention_span",
    "read_rule_file",
]
