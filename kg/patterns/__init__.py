"""kg's rules as data: the bundled rule files and word lists, and their reader
(:mod:`~kg.patterns.rules`), which needs no spaCy so resolution and read-only
commands can use the rules without loading a pipeline."""
