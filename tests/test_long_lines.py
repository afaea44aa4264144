"""Pathological input stays linear (issue 12, item 6).

A scraped page or a log on one line, without sentence ends, used to reach
spaCy as one giant sentence, and resolution compared every mention with every
other: 25,000 repetitions of a phrase (2 MB) did not finish in 300 s. Work is
counted here, not timed, so the tests hold on a busy machine.
"""

from __future__ import annotations

import csv
import io

from conftest import run_kg
from hypothesis import given, settings
from hypothesis import strategies as st

import kg.resolve.merge
from kg.extraction import _SENTENCE_END, MAX_RUN, bound_runs, extract_documents
from kg.model import Document, Mention
from kg.resolve import resolve

PHRASE = "the State Council supports the services sector and tourism industry in Beijing today "


@settings(max_examples=300, deadline=None, database=None)
@given(
    text=st.text(alphabet=st.sampled_from("ab .\n\t!"), max_size=400),
    run=st.integers(1, 40),
    offset=st.integers(0, 1000),
)
def test_bound_runs_keeps_every_character_and_bounds_every_run(text, run, offset):
    pieces = bound_runs(offset, text, run)
    assert "".join(p for _, p in pieces) == text
    assert [o for o, _ in pieces] == [offset + sum(len(p) for _, p in pieces[:k])
                                      for k in range(len(pieces))]  # fmt: skip
    ends = {m.end() for m in _SENTENCE_END.finditer(text)}
    for start, piece in pieces:
        lo, hi = start - offset, start - offset + len(piece)
        cuts = sorted({lo, hi} | {e for e in ends if lo < e < hi})
        assert all(b - a <= run for a, b in zip(cuts, cuts[1:])), (piece, run)


def test_one_line_without_sentence_ends_reaches_spacy_in_bounded_pieces(nlp):
    text = PHRASE * 400  # 34,000 characters, one line
    seen: list[int] = []
    original = nlp.pipe

    def spy(items, **kwargs):
        if not kwargs.get("as_tuples"):
            return original(items, **kwargs)  # spaCy's own inner call

        def sizes():
            for piece, context in items:
                seen.append(len(piece))
                yield piece, context

        return original(sizes(), **kwargs)

    nlp.pipe = spy
    try:
        (x,) = extract_documents([Document("line", text)], nlp)
    finally:
        del nlp.pipe
    assert max(seen) <= MAX_RUN and sum(seen) == len(text)
    assert x.warnings and "cut" in x.warnings[0]
    mentions = [m for e in x.entities for m in e.mentions]
    assert len(mentions) >= 400
    assert all(x.document.text[m.start : m.end] == m.text for m in mentions)
    assert {"State Council", "Beijing"} <= {e.name for e in x.entities}


def _repeated_mentions(n: int) -> tuple[Document, list[Mention]]:
    """``n`` repetitions of a phrase naming a person, a body, its acronym, a policy and anaphors."""
    unit = "Premier Li Keqiang of the State Council (SC) and Li backed the Made in China plan; the plan and the council. "  # noqa: E501
    text = unit * n
    forms = [
        ("Person", "Li Keqiang"), ("Organization", "State Council"), ("Organization", "SC"),
        ("Person", "Li"), ("Policy", "Made in China plan"), ("Policy", "the plan"),
        ("Organization", "the council"),
    ]  # fmt: skip
    mentions = []
    for k in range(n):
        base, pos = k * len(unit), 0
        for typ, form in forms:
            start = unit.index(form, pos)
            pos = start + len(form)
            rule = "test.anaphor" if form.startswith("the ") else "test"
            mentions.append(
                Mention(f"m{len(mentions) + 1}", typ, form, base + start, base + pos,
                        base, base + len(unit), rule)
            )  # fmt: skip
    return Document("d", text), mentions


def test_resolution_work_grows_linearly_with_repetitions(monkeypatch):
    calls = {"find": 0}
    original = kg.resolve.merge.UnionFind.find

    def counted(self, i):
        calls["find"] += 1
        return original(self, i)

    monkeypatch.setattr(kg.resolve.merge.UnionFind, "find", counted)
    work = {}
    for n in (200, 800):
        calls["find"] = 0
        document, mentions = _repeated_mentions(n)
        x = resolve(document, mentions, [])
        work[n] = calls["find"]
        assert sum(len(e.mentions) for e in x.entities) == len(mentions)
        names = sorted(e.name for e in x.entities)
        assert names == ["Li Keqiang", "Made in China plan", "State Council"], names
    # four times the text, about four times the work (the old code did sixteen times)
    assert work[800] <= 5 * work[200], work


def test_a_long_line_file_does_not_hold_up_its_folder(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "scraped.txt").write_text(PHRASE * 150, encoding="utf-8")  # 12,750 characters
    (docs / "note.txt").write_text("Premier Li Keqiang met officials in Beijing.", "utf-8")
    out = tmp_path / "graph"
    result = run_kg("build", str(docs), "-o", str(out))
    assert result.returncode == 0, result.stderr
    # both documents landed, and the long one says it was cut (one query: one process)
    query = "SELECT ?id ?c { ?d dcterms:identifier ?id OPTIONAL { ?d rdfs:comment ?c } }"
    result = run_kg("query", query, "-g", str(out), "--format", "csv")
    assert result.returncode == 0, result.stderr
    comments: dict[str, str] = {}
    for row in csv.reader(io.StringIO(result.stdout)):
        if row:
            comments[row[0]] = comments.get(row[0], "") + row[1]
    assert set(comments) == {"id", "note", "scraped"}, comments
    assert "pieces of at most 2,000 characters" in comments["scraped"]
