"""The facade: :class:`KnowledgeGraph` and the one-line :func:`build`.

Each method delegates to a stage function (read, extract, rdf, store, query,
network, html, validate), so every stage can be used and tested alone.

>>> g = KnowledgeGraph()          # in memory; pass a graph directory to persist
>>> g.document_ids()
[]
>>> bool(g.query("ASK { ?s ?p ?o }").askAnswer)
False
"""

from __future__ import annotations

import gc
import hashlib
import json
import time
import warnings
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib import Dataset
from rdflib.query import Result

from kg import store as _store
from kg.config import VERSION, Config, make_config
from kg.errors import InputError, KGError, StoreError
from kg.fileio import atomic_path, exit_point
from kg.model import Document, Extraction
from kg.query import run_query
from kg.rdf import build_quads

if TYPE_CHECKING:
    import networkx as nx

    from kg.read import ReadNote
    from kg.validate import ValidationReport
    from kg.views import HtmlSummary

__version__ = VERSION

WRITE_BATCH = 32
"""Documents written per store transaction."""

Progress = Callable[[int, int], None]
"""Called as ``progress(documents_done, words_done)`` while a build runs."""


@dataclass(frozen=True)
class BuildSummary:
    """What a build, add or remove did."""

    documents: int
    """Documents written by this call."""
    words: int
    """Words in those documents (whitespace-separated)."""
    seconds: float
    entities: Mapping[str, int] = field(default_factory=dict)
    """Distinct entities by type in the whole graph afterwards."""
    relations: int = 0
    """Distinct relation triples in the whole graph afterwards."""
    triples: int = 0
    """Quads in the store afterwards (all graphs)."""
    total_documents: int = 0
    """Documents in the graph afterwards."""
    notes: tuple[ReadNote, ...] = ()
    """Inputs that were skipped or needed repair."""
    replaced: tuple[str, ...] = ()
    """Ids of documents that were in the graph already and were replaced, sorted."""
    duplicates: tuple[tuple[str, str], ...] = ()
    """``(new id, id already there)`` pairs of documents with the same text under two ids."""
    notices: tuple[str, ...] = ()
    """Things the command repaired on the way (derived files that lagged the store)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "total_documents": self.total_documents,
            "words": self.words,
            "seconds": round(self.seconds, 3),
            "entities": dict(self.entities),
            "relations": self.relations,
            "triples": self.triples,
            "notes": [str(n) for n in self.notes],
            "replaced": list(self.replaced),
            "duplicates": [list(d) for d in self.duplicates],
        }

    def changes(self) -> list[str]:
        """One line for each thing a user should know changed beyond the counts.

        >>> BuildSummary(1, 5, 0.1, replaced=("kr-chip-subsidy",)).changes()
        ['replaced 1 document with the same id: kr-chip-subsidy']
        """
        lines = list(self.notices)
        if self.replaced:
            n = len(self.replaced)
            lines.append(
                f"replaced {n} document{'s' if n != 1 else ''} with the same id: "
                + ", ".join(self.replaced[:10])
                + (f" and {n - 10} more" if n > 10 else "")
            )
        for new, old in self.duplicates[:10]:
            lines.append(
                f"warning: {new} has the same content as {old}, already in the graph; "
                f"duplicates inflate every per-document count (kg remove {new} drops it)"
            )
        if len(self.duplicates) > 10:
            lines.append(f"warning: {len(self.duplicates) - 10} more duplicates")
        return lines


_COUNTS = """
SELECT ?type (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e kgo:key ?k ; a ?type } GROUP BY ?type
"""
_CONTENT_HASHES = """
SELECT ?id ?hash WHERE { GRAPH ?g { ?d dcterms:identifier ?id ; kgo:contentHash ?hash } }
"""
_PIPELINE = "SELECT ?p WHERE { GRAPH ?g { ?b kgo:pipeline ?p } FILTER (?g = ?build) }"
_RELATIONS = """
SELECT (COUNT(*) AS ?n) WHERE {
  SELECT DISTINCT ?s ?p ?o WHERE { ?a a kgo:RelationAssertion ; rdf:subject ?s ;
                                     rdf:predicate ?p ; rdf:object ?o }
}
"""


class KnowledgeGraph:
    """A policy knowledge graph: an rdflib ``Dataset`` plus the kg pipeline that feeds it.

    Args:
        path: A graph directory whose store to open (``None``: a new in-memory graph).
        config: Extraction and storage settings.
        read_only: Open the store read-only (several readers may share it).
        create: Create the store in ``path`` if there is none.
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        config: Config | None = None,
        read_only: bool = False,
        create: bool = False,
        _lock: _store.WriterLock | None = None,
    ) -> None:
        self.path = Path(path) if path is not None else None
        self.config = config or Config()
        self.read_only = read_only
        self._bulk = create and self.path is not None and self.config.backend == "Oxigraph"
        self.last_summary: BuildSummary | None = None
        """What the last build/add/remove through the module functions did."""
        self._closed: str | None = None
        self._transactions = 0
        self._lock = _lock
        if self.path is not None and not read_only and _lock is None:
            if create or self.path.is_dir():  # else open_dataset says there is no graph
                # before the store is touched: a refused writer changes nothing
                self._lock = _store.WriterLock.acquire(self.path)
        try:
            self._dataset: Dataset = _store.open_dataset(
                self.path, backend=self.config.backend, read_only=read_only, create=create
            )
        except BaseException:
            if self._lock is not None:
                self._lock.release()
            raise
        if self._lock is not None and self.path is not None:
            _OPEN_WRITERS[self.path.resolve()] = weakref.ref(self)

    @property
    def dataset(self) -> Dataset:
        """The rdflib ``Dataset`` over the store.

        Raises:
            StoreError: the graph was closed.
        """
        if self._closed is not None:
            raise StoreError(self._closed)
        return self._dataset

    # -- writing -------------------------------------------------------------
    def add_texts(self, texts: Iterable[str], *, progress: Progress | None = None) -> BuildSummary:
        """Extract and add plain texts (ids ``doc-1``, ``doc-2``...)."""
        from kg.read import read_texts

        first = len(self.document_ids()) + 1
        return self.add_documents(read_texts(texts, start=first), progress=progress)

    def add_files(
        self,
        inputs: Sequence[str | Path],
        *,
        progress: Progress | None = None,
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

        summary = self.add_documents(iter_documents(inputs, on_note=note), progress=progress)
        if summary.documents == 0:
            raise InputError(_nothing_read(inputs, notes))
        return replace(summary, notes=tuple(notes))

    def add_documents(
        self, documents: Iterable[Document], *, progress: Progress | None = None
    ) -> BuildSummary:
        """Extract ``documents`` and write each as its own named graph (replacing same ids)."""
        from kg.extraction import Extractor

        self._check_writable()
        started = time.perf_counter()
        extractor = Extractor.from_config(self.config)
        n_docs = n_words = 0
        extractions = extractor(documents)
        hashes = self._content_hashes()
        by_hash = {h: d for d, h in sorted(hashes.items(), reverse=True)}  # lowest id wins
        replaced: set[str] = set()
        duplicates: list[tuple[str, str]] = []

        def counted() -> Iterator[Extraction]:
            nonlocal n_docs, n_words
            for extraction in extractions:
                doc = extraction.document
                if doc.id in hashes:
                    replaced.add(doc.id)
                same = by_hash.get(doc.content_hash)
                if same is not None and same != doc.id:
                    duplicates.append((doc.id, same))
                hashes[doc.id] = doc.content_hash
                by_hash.setdefault(doc.content_hash, doc.id)
                n_docs += 1
                n_words += len(doc.text.split())
                yield extraction
                if progress:
                    progress(n_docs, n_words)

        if self._bulk:
            # a store no reader sees yet (a build's staging store): Oxigraph's bulk
            # loader, no transactions; the swap into place makes the build atomic
            _store.bulk_write(self.dataset, counted())
            exit_point("bulk-loaded")
        else:
            batch: list[Extraction] = []
            for extraction in counted():
                batch.append(extraction)
                if len(batch) >= WRITE_BATCH:
                    _store.replace_documents(self.dataset, batch)
                    self._committed()
                    batch = []
            if batch:
                _store.replace_documents(self.dataset, batch)
                self._committed()
        if n_docs:
            self._write_build_graph(extractor.pipeline_name)
        summary = self._summary(n_docs, n_words, started)
        return replace(summary, replaced=tuple(sorted(replaced)), duplicates=tuple(duplicates))

    def add_extractions(self, extractions: Iterable[Extraction]) -> BuildSummary:
        """Write already-extracted documents (e.g. from :func:`kg.extract`)."""
        self._check_writable()
        started = time.perf_counter()
        items = list(extractions)
        for i in range(0, len(items), WRITE_BATCH):
            _store.replace_documents(self.dataset, items[i : i + WRITE_BATCH])
        words = sum(len(x.document.text.split()) for x in items)
        return self._summary(len(items), words, started)

    def remove_document(self, *doc_ids: str) -> BuildSummary:
        """Drop documents and every fact only they supported.

        Raises:
            InputError: one of the ids is not in the graph (nothing is removed).
        """
        self._check_writable()
        started = time.perf_counter()
        present = set(self.document_ids())
        missing = [d for d in doc_ids if d not in present]
        if missing:
            raise InputError(
                f"no document {', '.join(map(repr, missing))} in the graph; "
                'list the ids with: kg query "SELECT ?id { ?d dcterms:identifier ?id }"'
            )
        _store.remove_documents(self.dataset, list(doc_ids))
        self._committed()
        pipeline = self._recorded_pipeline()
        if pipeline is not None:  # the build graph lists documents: it changes with them
            self._write_build_graph(pipeline)
        return self._summary(len(doc_ids), 0, started)

    # -- reading -------------------------------------------------------------
    def document_ids(self) -> list[str]:
        """Ids of the documents in the graph, sorted."""
        return _store.document_ids(self.dataset)

    def query(self, sparql: str, bindings: Mapping[str, Any] | None = None) -> Result:
        """Run a SPARQL 1.1 query (rdflib ``Result``) on the merge of the document graphs.

        Each document is also a named graph (``GRAPH ?g``); build metadata is in
        its own named graph, outside the default graph.

        kg's prefixes (``kgo:``, ``org:``, ``skos:``, ``nif:``...) are predefined;
        ``bindings`` binds variables to values safely (never pasted into the text).
        """
        return run_query(self.dataset, sparql, bindings)

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

    def validate(self) -> ValidationReport:
        """Check the graph against ``ontology/shapes.ttl`` (SHACL)."""
        from kg.validate import validate_dataset

        return validate_dataset(self.dataset)

    def summary(self) -> BuildSummary:
        """Counts for the whole graph."""
        return self._summary(0, 0, time.perf_counter())

    def close(self, *, reason: str = "") -> None:
        """Release the store (a graph directory can then be opened by another writer).

        Closing twice is harmless; any other use of a closed graph raises :class:`StoreError`.
        """
        if self._closed is not None:
            return
        where = f" of {self.path}" if self.path is not None else ""
        self._closed = (
            f"this KnowledgeGraph{where} is closed{reason}; "
            + (f"open it again: kg.KnowledgeGraph({str(self.path)!r})" if self.path else "")
        ).rstrip("; ")
        self._dataset.close()
        del self._dataset
        gc.collect()  # the Oxigraph store lets go of its lock files only once collected
        if self._lock is not None:
            self._lock.release()
            if self.path is not None:
                _OPEN_WRITERS.pop(self.path.resolve(), None)

    def __enter__(self) -> KnowledgeGraph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        where = str(self.path) if self.path else "memory"
        if self._closed is not None:
            return f"<KnowledgeGraph {where} closed>"
        return f"<KnowledgeGraph {where} documents={len(self.document_ids())}>"

    # -- internals -------------------------------------------------------------
    def _check_writable(self) -> None:
        if self.read_only:
            raise KGError(
                "this graph was opened read-only; open it with read_only=False to change it"
            )

    def _content_hashes(self) -> dict[str, str]:
        """Document id → content hash of every document in the graph."""
        return {str(r[0]): str(r[1]) for r in self.query(_CONTENT_HASHES)}  # type: ignore[index]

    def _recorded_pipeline(self) -> str | None:
        """The pipeline the build graph names, or None when there is no build graph."""
        from kg.vocab import BUILD_GRAPH

        rows = sorted(str(r[0]) for r in self.query(_PIPELINE, {"build": BUILD_GRAPH}))  # type: ignore[index]
        return rows[0] if rows else None

    def _write_build_graph(self, pipeline: str) -> None:
        now = datetime.now(timezone.utc).replace(microsecond=0)
        quads = build_quads(
            started=now,
            ended=now,
            kg_version=__version__,
            pipeline=pipeline,
            documents=self.document_ids(),
        )
        _store.replace_build_graph(self.dataset, quads)
        self._committed()

    def _committed(self) -> None:
        """Count a write transaction (crash tests stop a command right after one)."""
        self._transactions += 1
        exit_point(f"transaction-{self._transactions}")

    def _summary(self, n_docs: int, n_words: int, started: float) -> BuildSummary:
        counts: Counter[str] = Counter()
        from kg.vocab import TYPE_CLASSES

        names = {str(v): k for k, v in TYPE_CLASSES.items()}
        for row in self.query(_COUNTS):
            name = names.get(str(row[0]))  # type: ignore[index]
            if name:
                counts[name] = int(str(row[1]))  # type: ignore[index]
        relations = int(str(next(iter(self.query(_RELATIONS)))[0]))  # type: ignore[index]
        return BuildSummary(
            documents=n_docs,
            words=n_words,
            seconds=time.perf_counter() - started,
            entities={t: counts.get(t, 0) for t in TYPE_CLASSES},
            relations=relations,
            triples=_store.triple_count(self.dataset),
            total_documents=len(self.document_ids()),
        )


_OPEN_WRITERS: dict[Path, weakref.ref[KnowledgeGraph]] = {}
"""Graph directories this process has open for writing → their :class:`KnowledgeGraph`.

Process bookkeeping, not graph state: it lets :func:`build`, :func:`add` and
:func:`remove` take a directory over from an earlier handle of the same process
(a notebook cell run twice) instead of failing on their own lock."""


def _take_over(graph_dir: Path) -> None:
    """Close this process's open writer on ``graph_dir``, if any, so a new one can start."""
    ref = _OPEN_WRITERS.pop(graph_dir.resolve(), None)
    earlier = ref() if ref is not None else None
    if earlier is not None:
        earlier.close(reason=" (a later kg.build, kg.add or kg.remove took its directory over)")


def _nothing_read(inputs: Sequence[str | Path], notes: Sequence[ReadNote]) -> str:
    if len(notes) == 1:
        return f"nothing to read: {notes[0]}"
    detail = "; ".join(str(n) for n in notes[:5]) or "no .txt/.md/.html/.jsonl files found"
    return f"no readable input in {', '.join(map(str, inputs))}: {detail}"


def write_outputs(graph: KnowledgeGraph, summary: BuildSummary | None = None) -> None:
    """Refresh the derived files of a graph directory: graph.trig, graph.html, build.json.

    build.json comes last and records the store state the files were made from
    (:func:`store_state`), so a later command can tell files that lag the store.
    """
    if graph.path is None:
        return
    graph.serialize(graph.path / "graph.trig", format="trig")
    exit_point("wrote-trig")
    graph.write_html(graph.path / "graph.html", title=f"kg · {graph.path.resolve().name}")
    exit_point("wrote-html")
    summary = summary or graph.summary()
    info = {
        "kg_version": __version__,
        "model": graph.config.model,
        **summary.to_dict(),
        "store_state": store_state(graph),
    }
    with atomic_path(graph.path / "build.json") as tmp:
        tmp.write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def store_state(graph: KnowledgeGraph) -> str:
    """A digest of what the store holds: each document's id and text hash, and the quad count.

    Equal digests mean the derived files made at one still describe the store.
    """
    rows = sorted(graph._content_hashes().items())
    data = json.dumps([rows, _store.triple_count(graph.dataset)], ensure_ascii=False)
    return "sha256:" + hashlib.sha256(data.encode("utf-8", "surrogatepass")).hexdigest()


STALE_NOTICE = (
    "graph.trig, graph.html and build.json lagged the store (an interrupted command); "
    "regenerated them"
)


def refresh_stale_outputs(graph: KnowledgeGraph) -> bool:
    """Rewrite the derived files if they do not match the store (see :func:`write_outputs`).

    Returns whether they were stale.
    """
    if graph.path is None:
        return False
    try:
        info = json.loads((graph.path / "build.json").read_text(encoding="utf-8"))
        recorded = info.get("store_state") if isinstance(info, dict) else None
    except (OSError, ValueError):
        recorded = None
    if recorded == store_state(graph) and (graph.path / "graph.trig").is_file():
        return False
    write_outputs(graph)
    return True


def build(
    texts: Iterable[str] | None = None,
    *,
    files: Sequence[str | Path] | None = None,
    path: str | Path | None = None,
    config: Config | None = None,
    model: str | None = None,
    workers: int | None = None,
    patterns: Sequence[str | Path] | None = None,
    progress: Progress | None = None,
    on_note: Callable[[ReadNote], None] | None = None,
) -> KnowledgeGraph:
    """Build a knowledge graph from texts and/or files in one call.

    With ``path`` the graph is written to that graph directory (its store,
    ``graph.trig``, ``graph.html``, ``build.json``), replacing an earlier graph
    there only once the new one is complete; without, it lives in memory.
    ``model``, ``workers`` and ``patterns`` change those fields of ``config``
    (or of the default :class:`Config`).

    >>> g = build([])   # doctest: +SKIP
    """
    config = make_config(config, model=model, workers=workers, patterns=patterns)
    if texts is not None:
        texts = _texts_checked(texts)
    if path is None:
        graph = KnowledgeGraph(config=config)
        _fill(graph, texts, files, progress, on_note)
        return graph
    graph_dir = Path(path)
    _take_over(graph_dir)
    lock = _store.WriterLock.acquire(graph_dir)
    try:
        _store.recover(graph_dir)
        staging = _store.new_staging_dir(graph_dir)
        try:
            # build in a fresh store beside the live one, then swap it in: no
            # writer has the live one open (the lock), so nothing writes into
            # the swapped folders by their old names
            fresh = KnowledgeGraph(staging, config=config, create=True)
            with _closed_on_error(fresh):
                summary = _fill(fresh, texts, files, progress, on_note)
            fresh.close()
            _store.swap_in(graph_dir, staging)
            exit_point("swapped")
        finally:
            _store.discard(staging)
        graph = KnowledgeGraph(graph_dir, config=config, _lock=lock)
    except BaseException:
        lock.release()
        raise
    with _closed_on_error(graph):
        write_outputs(graph, summary)
    graph.last_summary = summary
    return graph


def _texts_checked(texts: Iterable[str] | str) -> Iterator[str]:
    """``texts`` one by one, with a warning for a text that is the name of a file or folder."""
    if isinstance(texts, (str, Path)):
        texts = [str(texts)]  # one text, not one text per character
    for text in texts:
        text = str(text)
        kind = _names_path(text)
        if kind:
            warnings.warn(
                f"kg.build got {text!r} as a text to extract, but it names an existing {kind}; "
                f"texts are read as they are: to read files or folders, pass files=[{text!r}]",
                UserWarning,
                stacklevel=3,
            )
        yield text


def _names_path(text: str) -> str | None:
    if not text.strip() or len(text) > 4096 or "\n" in text:
        return None
    try:
        path = Path(text).expanduser()
        return "folder" if path.is_dir() else "file" if path.is_file() else None
    except (OSError, ValueError, RuntimeError):  # RuntimeError: "~user" with no such user
        return None


def add(
    inputs: Sequence[str | Path],
    path: str | Path,
    *,
    config: Config | None = None,
    progress: Progress | None = None,
    on_note: Callable[[ReadNote], None] | None = None,
) -> KnowledgeGraph:
    """Add files to the graph directory ``path`` (same id → replaced) and refresh its files.

    Each batch of documents is one store transaction: a killed run leaves whole
    documents only.
    """
    graph, notices = _open_writer(Path(path), config)
    with _closed_on_error(graph):
        summary = graph.add_files(inputs, progress=progress, on_note=on_note)
        summary = replace(summary, notices=notices)
        write_outputs(graph, summary)
    graph.last_summary = summary
    return graph


def remove(doc_ids: Sequence[str], path: str | Path) -> KnowledgeGraph:
    """Drop documents from the graph directory ``path`` and refresh its files."""
    graph, notices = _open_writer(Path(path), None)
    with _closed_on_error(graph):
        summary = replace(graph.remove_document(*doc_ids), notices=notices)
        write_outputs(graph, summary)
    graph.last_summary = summary
    return graph


def _open_writer(graph_dir: Path, config: Config | None) -> tuple[KnowledgeGraph, tuple[str, ...]]:
    """The graph directory opened for writing, after finishing what a killed writer left.

    Returns the graph and the notices of what was repaired.
    """
    _require_graph_dir(graph_dir)
    _take_over(graph_dir)
    lock = _store.WriterLock.acquire(graph_dir)
    try:
        _store.recover(graph_dir)
        graph = KnowledgeGraph(graph_dir, config=config, _lock=lock)
    except BaseException:
        lock.release()
        raise
    with _closed_on_error(graph):
        stale = refresh_stale_outputs(graph)
    exit_point("opened")
    return graph, (STALE_NOTICE,) if stale else ()


@contextmanager
def _closed_on_error(graph: KnowledgeGraph) -> Iterator[None]:
    """Release the store if the block fails, so the caller can open it again."""
    try:
        yield
    except BaseException:
        graph.close()
        raise


def _require_graph_dir(graph_dir: Path) -> None:
    if not (graph_dir / _store.STORE_DIR).is_dir() and not any(graph_dir.glob(".store-old-*")):
        raise _store.StoreError(
            f"no graph in {graph_dir}; build one first: kg build INPUT... -o {graph_dir}"
        )


def extract_files(
    inputs: Sequence[str | Path],
    json_dir: str | Path,
    *,
    config: Config | None = None,
    on_note: Callable[[ReadNote], None] | None = None,
) -> int:
    """Extraction only: write ``<id>.json`` per document in the gold annotation format.

    Returns the number of files written.

    Raises:
        InputError: nothing readable among ``inputs``.
    """
    from kg.extraction import Extractor
    from kg.read import iter_documents

    extractor = Extractor.from_config(config)
    out = Path(json_dir)
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    for x in extractor(iter_documents(inputs, on_note=on_note)):
        name = x.document.id.replace("/", "__") + ".json"
        with atomic_path(out / name) as tmp:
            tmp.write_text(
                json.dumps(x.to_gold_dict(), indent=2, ensure_ascii=False) + "\n", "utf-8"
            )
        count += 1
    if count == 0:
        raise InputError(f"no readable input in {', '.join(map(str, inputs))}")
    return count


def _fill(
    graph: KnowledgeGraph,
    texts: Iterable[str] | None,
    files: Sequence[str | Path] | None,
    progress: Progress | None,
    on_note: Callable[[ReadNote], None] | None,
) -> BuildSummary:
    summaries = []
    if texts is not None:
        summaries.append(graph.add_texts(texts, progress=progress))
    if files:
        summaries.append(graph.add_files(files, progress=progress, on_note=on_note))
    if not summaries:
        return graph.summary()
    last = summaries[-1]
    return replace(
        last,
        documents=sum(s.documents for s in summaries),
        words=sum(s.words for s in summaries),
        seconds=sum(s.seconds for s in summaries),
    )


def extract(
    texts: Iterable[str | Document],
    *,
    config: Config | None = None,
    model: str | None = None,
    workers: int | None = None,
    patterns: Sequence[str | Path] | None = None,
) -> list[Extraction]:
    """Extraction only, no RDF: one :class:`Extraction` per text or :class:`Document`.

    Plain strings get ids ``doc-1``, ``doc-2``...; ``model``, ``workers`` and
    ``patterns`` change those fields of ``config`` (or of the default :class:`Config`).
    """
    from kg.extraction import Extractor

    config = make_config(config, model=model, workers=workers, patterns=patterns)
    extractor = Extractor.from_config(config)
    docs = (
        t if isinstance(t, Document) else Document(f"doc-{n}", t) for n, t in enumerate(texts, 1)
    )
    return list(extractor(docs))


def push(
    inputs: Sequence[str | Path],
    endpoint: str,
    *,
    graph_store: str | None = None,
    config: Config | None = None,
    progress: Progress | None = None,
    on_note: Callable[[ReadNote], None] | None = None,
) -> BuildSummary:
    """Extract files and write each document as its named graph to an external SPARQL store.

    Each document's graph is replaced whole: through the SPARQL 1.1 Graph Store
    Protocol (``PUT``) when ``graph_store`` is given, else through SPARQL Update
    at ``endpoint``. Nothing is written locally.

    Raises:
        InputError: nothing readable among ``inputs``.
        QueryError: the server refused a write or did not answer.
    """
    import pyoxigraph as ox

    from kg.extraction import Extractor
    from kg.rdf import document_iri, extraction_quads
    from kg.read import iter_documents
    from kg.remote import replace_graph
    from kg.store import to_ox_quad

    started = time.perf_counter()
    extractor = Extractor.from_config(config)
    notes: list[ReadNote] = []

    def note(n: ReadNote) -> None:
        notes.append(n)
        if on_note:
            on_note(n)

    n_docs = n_words = n_triples = 0
    for x in extractor(iter_documents(inputs, on_note=note)):
        quads = [to_ox_quad(q) for q in extraction_quads(x)]
        data = ox.serialize([q.triple for q in quads], format=ox.RdfFormat.N_TRIPLES) or b""
        replace_graph(endpoint, str(document_iri(x.document.id)), data, graph_store=graph_store)
        n_docs += 1
        n_words += len(x.document.text.split())
        n_triples += len(quads)
        if progress:
            progress(n_docs, n_words)
    if n_docs == 0:
        raise InputError(f"no readable input in {', '.join(map(str, inputs))}")
    return BuildSummary(
        documents=n_docs,
        words=n_words,
        seconds=time.perf_counter() - started,
        triples=n_triples,
        total_documents=n_docs,
        notes=tuple(notes),
    )
