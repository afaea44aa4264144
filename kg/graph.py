"""The facade: :class:`KnowledgeGraph`, a graph and the kg pipeline that feeds it.

Each method delegates to a stage function (read, extract, rdf, store, query,
network, html, validate), so every stage can be used and tested alone; the
one-call functions (``kg.build``, ``kg.extract``...) are in :mod:`kg.api`.

>>> g = KnowledgeGraph()          # in memory; pass a graph directory to persist
>>> g.document_ids()
[]
>>> bool(g.query("ASK { ?s ?p ?o }").askAnswer)
False
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib import Dataset

from kg import store as _store
from kg.config import VERSION, Config
from kg.errors import InputError, KGError
from kg.model import Document, Extraction
from kg.query import QueryResult, run_query
from kg.rdf_resolution import Target
from kg.resolve.corpus import Decision, resolve_corpus
from kg.store import BuildSummary, Progress
from kg.store.reconcile import Reconciled, document_targets, placed_states, reconcile
from kg.store.records import EntityState, extraction_states, stored_states

if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd

    from kg.read import ReadNote
    from kg.review import ReviewItem
    from kg.validate import ValidationReport
    from kg.views import HtmlSummary

__version__ = VERSION


class KnowledgeGraph:
    """A policy knowledge graph: an rdflib ``Dataset`` plus the kg pipeline that feeds it.

    Args:
        path: A graph directory whose store to open (``None``: a new in-memory graph).
        config: Extraction and storage settings.
        read_only: Open the store read-only (several readers may share it).
        create: Create the store in ``path`` if there is none.
        decisions: The decisions file to replay and record to (default: ``decisions.tsv``
            in ``path``; in memory: none, decisions are kept on the object).
        authority: An authority table (CSV or JSON; default: ``authority.csv`` in ``path``).
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        config: Config | None = None,
        read_only: bool = False,
        create: bool = False,
        decisions: str | Path | None = None,
        authority: str | Path | None = None,
        _lock: _store.WriterLock | None = None,
    ) -> None:
        from kg.resolve.decisions import AUTHORITY_FILE, DECISIONS_FILE

        self.path = Path(path) if path is not None else None
        here = self.path
        self.decisions_file = Path(decisions) if decisions else here and here / DECISIONS_FILE
        """Where decisions are read and recorded (None: kept in memory)."""
        self.authority_file = Path(authority) if authority else here and here / AUTHORITY_FILE
        """The authority table read at each reconcile (None: none)."""
        if authority and not Path(authority).is_file():
            raise InputError(f"authority file {authority} does not exist; give a CSV or JSON file")
        self._decisions: list[Decision] = []
        self.last_reconciled: Reconciled | None = None
        """What the last corpus resolution found and rewrote."""
        self.config = config or Config()
        self.read_only = read_only
        self._bulk = create and self.path is not None and self.config.backend == "Oxigraph"
        self.last_summary: BuildSummary | None = None
        """What the last build/add/remove through the module functions did."""
        self._open = _store.OpenStore(
            self.path, backend=self.config.backend, read_only=read_only, create=create, lock=_lock
        )

    @property
    def dataset(self) -> Dataset:
        """The rdflib ``Dataset`` over the store.

        Raises:
            StoreError: the graph was closed.
        """
        return self._open.dataset

    # -- writing -------------------------------------------------------------
    def add_texts(
        self,
        texts: Iterable[str],
        *,
        progress: Progress | bool | None = None,
        on_note: Callable[[ReadNote], None] | None = None,
    ) -> BuildSummary:
        """Extract and add plain texts (ids ``doc-1``, ``doc-2``...)."""
        from kg.read import read_texts

        first = len(self.document_ids()) + 1
        return self.add_documents(
            read_texts(texts, start=first), progress=progress, on_note=on_note
        )

    def add_files(
        self,
        inputs: Sequence[str | Path],
        *,
        progress: Progress | bool | None = None,
        on_note: Callable[[ReadNote], None] | None = None,
    ) -> BuildSummary:
        """Read files and folders and add their documents (same id → replaced).

        Raises:
            InputError: nothing readable among ``inputs``.
        """
        from kg.read import iter_documents

        notes: list[ReadNote] = []

        def note(n: ReadNote) -> None:
            notes.append(n)
            if on_note:
                on_note(n)

        summary = self.add_documents(
            iter_documents(inputs, on_note=note), progress=progress, on_note=note
        )
        if summary.documents == 0:
            raise InputError(_nothing_read(inputs, notes))
        return replace(summary, notes=tuple(notes))

    def add_documents(
        self,
        documents: Iterable[Document],
        *,
        progress: Progress | bool | None = None,
        on_note: Callable[[ReadNote], None] | None = None,
    ) -> BuildSummary:
        """Extract ``documents`` and write each as its own named graph (replacing same ids).

        With ``on_note``, a document the pipeline fails on is reported to it (a skipped
        :class:`~kg.read.ReadNote`) and the rest are written; without, the error propagates.

        ``progress`` is a callback ``(documents, words)``, or ``True`` for a bar
        (a widget in Jupyter, text on a terminal).
        """
        from kg.extraction import Extractor

        self._check_writable()
        self._decisions_now()  # a bad decisions or authority file fails before any work
        self._authority_now()
        started = time.perf_counter()
        before = set(self.document_ids())
        states: dict[str, list[EntityState]] = {}
        with (
            Extractor.from_config(self.config) as extractor,
            _progress_of(progress, "Extracting") as report,
        ):
            extractions = _noting_states(extractor(documents, on_note=on_note), states)
            if self._bulk and not before and not isinstance(extractor, Extractor):
                # A fresh store, extraction in other processes: the document graphs are
                # bulk-loaded while they extract; then the documents whose nodes corpus
                # resolution moves are loaded again, and the default graph filled natively.
                kept: dict[str, Extraction] = {}
                written = _store.write_documents(
                    self.dataset, _kept(extractions, kept), bulk=True, merge=False,
                    progress=report,
                )  # fmt: skip
                states, targets = self._placed(states)
                _store.reload_documents(self.dataset, [kept[d] for d in sorted(targets)], targets)
                _store.merge_default_graph(self.dataset)
            elif self._bulk and not before:
                # A fresh store, extraction in this process (nothing to overlap with):
                # corpus resolution runs before the load, every document loaded once.
                fresh = list(_counted(extractions, report))
                states, targets = self._placed(states)
                written = _store.write_documents(self.dataset, fresh, bulk=True, targets=targets)
            else:
                written = _store.write_documents(
                    self.dataset,
                    extractions,
                    bulk=self._bulk,
                    committed=self._open.committed,
                    progress=report,
                )
        if written.documents:
            self._write_build_graph(extractor.pipeline_name)
            self._reconcile_with(states, before)
        summary = _store.summarise(self.dataset, written.documents, written.words, started)
        return replace(summary, replaced=written.replaced, duplicates=written.duplicates)

    def add_extractions(self, extractions: Iterable[Extraction]) -> BuildSummary:
        """Write already-extracted documents (e.g. from :func:`kg.extract`)."""
        self._check_writable()
        self._decisions_now()
        started = time.perf_counter()
        before = set(self.document_ids())
        states: dict[str, list[EntityState]] = {}
        written = _store.write_documents(self.dataset, _noting_states(extractions, states))
        if written.documents:
            self._reconcile_with(states, before)
        return _store.summarise(self.dataset, written.documents, written.words, started)

    def remove_document(self, *doc_ids: str) -> BuildSummary:
        """Drop documents and every fact only they supported.

        Raises:
            InputError: one of the ids is not in the graph (nothing is removed).
        """
        self._check_writable()
        self._decisions_now()  # a bad decisions file fails before anything is removed
        self._authority_now()
        started = time.perf_counter()
        _store.require_documents(self.dataset, doc_ids)
        _store.remove_documents(self.dataset, list(doc_ids))
        self._open.committed()
        pipeline = _store.recorded_pipeline(self.dataset)
        if pipeline is not None:  # the build graph lists documents: it changes with them
            self._write_build_graph(pipeline)
        self.reconcile()
        return _store.summarise(self.dataset, len(doc_ids), 0, started)

    # -- corpus resolution ---------------------------------------------------
    def reconcile(self) -> Reconciled:
        """Resolve the corpus again (decisions replayed) and rewrite what must move.

        Every build, add and remove does this; call it after editing the decisions
        or authority file by hand.
        """
        self._check_writable()
        return self._reconcile(stored_states(self.dataset))

    def review(self) -> list[ReviewItem]:
        """The merge candidates and decisions, most uncertain first, with evidence sentences.

        >>> KnowledgeGraph().review()
        []
        """
        from kg.review import review_items

        states = stored_states(self.dataset)
        decisions = self._decisions_now()
        resolution = resolve_corpus([s.local for s in states], decisions)
        return review_items(self.dataset, resolution, decisions, states)

    def review_df(self) -> pd.DataFrame:
        """:meth:`review` as a pandas ``DataFrame`` (needs pandas), one row per pair."""
        try:
            import pandas as pd
        except ImportError as err:
            raise KGError(
                "review as a DataFrame needs pandas; install it with pip install 'kg[notebook]'"
            ) from err

        from kg.review import ReviewItem

        columns = list(ReviewItem.__dataclass_fields__)
        return pd.DataFrame([r.to_dict() for r in self.review()], columns=columns)

    def decide(self, verdict: str, a: str, b: str, *, note: str = "") -> Decision:
        """Record that ``a`` and ``b`` are one thing (``accept``) or not (``reject``).

        ``a`` and ``b`` may be keys, entity IRIs or unambiguous labels. The decision
        goes to the decisions file (or stays on this object for an in-memory graph)
        and the graph is reconciled at once.

        Raises:
            InputError: a verdict other than accept/reject, or a name that matches
                no entity or several.
        """
        from kg.review import resolve_name

        self._check_writable()
        if verdict not in ("accept", "reject"):
            raise InputError(f"unknown verdict {verdict!r}; use 'accept' or 'reject'")
        states = stored_states(self.dataset)
        decisions = self._decisions_now()
        resolution = resolve_corpus([s.local for s in states], decisions)
        key_a, key_b = sorted(
            (resolve_name(a, states, resolution), resolve_name(b, states, resolution))
        )
        if key_a == key_b:
            raise InputError(f"{a!r} and {b!r} are the same entity ({key_a}); name two entities")
        decision = Decision(verdict, key_a, key_b, note)  # type: ignore[arg-type]
        if self.decisions_file is not None:
            from kg.resolve.decisions import (
                DECISIONS_FILE,
                read_decisions,
                record_decision,
                write_decisions,
            )

            record_decision(self.decisions_file, decision)
            copy = self.path / DECISIONS_FILE if self.path else None
            if copy is not None and copy.resolve() != self.decisions_file.resolve():
                write_decisions(copy, read_decisions(self.decisions_file))  # remembered
        else:
            pair = {key_a, key_b}
            self._decisions = [d for d in self._decisions if {d.a, d.b} != pair] + [decision]
        self._reconcile(states)
        return decision

    def _decisions_now(self) -> list[Decision]:
        if self.decisions_file is None:
            return list(self._decisions)
        from kg.resolve.decisions import read_decisions

        return read_decisions(self.decisions_file)

    def _authority_now(self) -> dict[str, str]:
        from kg.resolve.decisions import read_authority

        if self.authority_file is None or not self.authority_file.exists():
            return {}
        return read_authority(self.authority_file)

    def _placed(
        self, states: Mapping[str, list[EntityState]]
    ) -> tuple[dict[str, list[EntityState]], dict[str, dict[str, Target]]]:
        """Resolve the corpus of a first build before it is written: where nodes go
        (document → local key → target) and the states as they stand once written there."""
        every = [s for doc in sorted(states) for s in states[doc]]
        resolution = resolve_corpus([s.local for s in every], self._decisions_now())
        targets = document_targets(every, resolution)
        out: dict[str, list[EntityState]] = {}
        for s in placed_states(every, targets):
            out.setdefault(s.local.document, []).append(s)
        return out, targets

    def _reconcile_with(self, new: Mapping[str, list[EntityState]], before: set[str]) -> None:
        """Reconcile after writing the documents whose states are ``new``."""
        others = before - set(new)
        states = stored_states(self.dataset, others) if others else []
        for doc in sorted(new):
            states += new[doc]
        self._reconcile(sorted(states, key=lambda s: (s.local.document, s.local.key)))

    def _reconcile(self, states: Sequence[EntityState]) -> Reconciled:
        result = reconcile(self.dataset, states, self._decisions_now(), self._authority_now())
        if result.wrote:
            self._open.committed()
        self.last_reconciled = result
        return result

    # -- reading -------------------------------------------------------------
    def document_ids(self) -> list[str]:
        """Ids of the documents in the graph, sorted."""
        return _store.document_ids(self.dataset)

    def query(self, sparql: str, bindings: Mapping[str, Any] | None = None) -> QueryResult:
        """Run a SPARQL 1.1 query on the merge of the document graphs.

        Each document is also a named graph (``GRAPH ?g``); build metadata is in
        its own named graph, outside the default graph.

        kg's prefixes (``kgo:``, ``org:``, ``skos:``, ``nif:``...) are predefined;
        ``bindings`` binds variables to values safely (never pasted into the text).
        The result is an rdflib ``Result`` with ``.to_dataframe()``.
        """
        return run_query(self.dataset, sparql, bindings)

    def query_df(self, sparql: str, bindings: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """:meth:`query`, as a pandas ``DataFrame`` with typed columns (needs pandas).

        IRIs are strings; numbers, booleans and dates are ``Int64``, ``Float64``,
        ``boolean`` and ``datetime64`` columns; unbound values are ``<NA>``.

        >>> KnowledgeGraph().query_df("SELECT ?x WHERE { VALUES ?x { 3 } }")["x"].tolist()
        [3]
        """
        return self.query(sparql, bindings).to_dataframe()

    def serialize(self, destination: str | Path | None = None, format: str = "trig") -> str | None:
        """Write the dataset as trig, nquads, turtle, ntriples, jsonld or rdfxml.

        Returns the text when ``destination`` is None.
        """
        data = _store.dump(self.dataset, destination, format)
        return data.decode("utf-8") if data is not None else None

    def to_networkx(self) -> nx.MultiDiGraph:
        """The entity graph as a networkx ``MultiDiGraph`` (see docs/ARCHITECTURE.md)."""
        from kg.views import to_networkx

        return to_networkx(self.dataset)

    def write_html(
        self,
        path: str | Path,
        *,
        focus: str | None = None,
        depth: int = 1,
        types: Sequence[str] = (),
        max_nodes: int | None = None,
        title: str = "kg",
        layout: bool | None = None,
    ) -> HtmlSummary:
        """Write the interactive HTML view; the options are :func:`kg.views.write_html`'s.

        ``max_nodes=None`` keeps the view's default cap (``kg.views.DEFAULT_MAX_NODES``).
        """
        from kg.views import DEFAULT_MAX_NODES, write_html

        return write_html(
            self.to_networkx(),
            path,
            focus=focus,
            depth=depth,
            types=types,
            max_nodes=DEFAULT_MAX_NODES if max_nodes is None else max_nodes,
            title=title,
            layout=layout,
        )

    def show(
        self,
        *,
        focus: str | None = None,
        depth: int = 1,
        types: Sequence[str] = (),
        max_nodes: int | None = None,
        height: int = 600,
    ) -> None:
        """Show the interactive view in the running notebook (options as :meth:`write_html`).

        The self-contained page goes into the notebook as a sandboxed
        ``<iframe srcdoc>``: it works offline and stays in the saved notebook.

        Raises:
            KGError: not running under Jupyter / IPython.
        """
        import tempfile

        from kg.notebook import InlineView, display_inline

        with tempfile.TemporaryDirectory(prefix="kg-view-") as tmp:
            page = Path(tmp) / "view.html"
            self.write_html(page, focus=focus, depth=depth, types=types, max_nodes=max_nodes)
            view = InlineView(page.read_text(encoding="utf-8"), height)
        display_inline(view)

    def validate(self) -> ValidationReport:
        """Check the graph against ``ontology/shapes.ttl`` (SHACL)."""
        from kg.validate import validate_dataset

        return validate_dataset(self.dataset)

    def summary(self) -> BuildSummary:
        """Counts for the whole graph."""
        return _store.summarise(self.dataset)

    def close(self, *, reason: str = "") -> None:
        """Release the store (a graph directory can then be opened by another writer).

        Closing twice is harmless; any other use of a closed graph raises :class:`StoreError`.
        """
        self._open.close(reason=reason)

    def __enter__(self) -> KnowledgeGraph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        where = str(self.path) if self.path else "memory"
        if self._open.closed:
            return f"<KnowledgeGraph {where} closed>"
        return f"<KnowledgeGraph {where} documents={len(self.document_ids())}>"

    def _repr_html_(self) -> str:
        from html import escape

        from kg.notebook import summary_html

        where = str(self.path) if self.path else "in memory"
        if self._open.closed:
            return f"<code>{escape(repr(self))}</code>"
        return summary_html(where, self.summary())

    def _check_writable(self) -> None:
        if self.read_only:
            raise KGError(
                "this graph was opened read-only; open it with read_only=False to change it"
            )

    def _write_build_graph(self, pipeline: str) -> None:
        _store.write_build_graph(self.dataset, pipeline)
        self._open.committed()


@contextmanager
def _progress_of(progress: Progress | bool | None, label: str) -> Iterator[Progress | None]:
    """The callback a ``progress=`` argument stands for: itself, a bar (``True``), or none."""
    if progress is True:
        from kg.notebook import progress_bar

        with progress_bar(label) as update:
            yield update
    else:
        yield progress or None


def _noting_states(
    extractions: Iterable[Extraction], into: dict[str, list[EntityState]]
) -> Iterator[Extraction]:
    """``extractions`` passed through, each document's entity states put in ``into``."""
    for x in extractions:
        into[x.document.id] = extraction_states(x)  # a later copy of an id replaces it
        yield x


def _counted(extractions: Iterable[Extraction], report: Progress | None) -> Iterator[Extraction]:
    """``extractions`` passed through, ``report(documents, words)`` called after each."""
    documents = words = 0
    for x in extractions:
        documents += 1
        words += len(x.document.text.split())
        if report:
            report(documents, words)
        yield x


def _kept(extractions: Iterable[Extraction], into: dict[str, Extraction]) -> Iterator[Extraction]:
    """``extractions`` passed through, each kept in ``into`` by document id."""
    for x in extractions:
        into[x.document.id] = x
        yield x


def _nothing_read(inputs: Sequence[str | Path], notes: Sequence[ReadNote]) -> str:
    if len(notes) == 1:
        return f"nothing to read: {notes[0]}"
    detail = "; ".join(str(n) for n in notes[:5]) or "no .txt/.md/.html/.jsonl files found"
    return f"no readable input in {', '.join(map(str, inputs))}: {detail}"
