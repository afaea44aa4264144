"""The one-call functions: :func:`build`, :func:`add`, :func:`remove`, :func:`extract`,
:func:`extract_files` and :func:`push`.

Each is a few stage calls around a :class:`~kg.graph.KnowledgeGraph` or an
:class:`~kg.extraction.Extractor`, the way ``httpx.get`` is around ``httpx.Client``.
:func:`build` writes a graph directory atomically: into a staging store that is
swapped in only once complete. :func:`add` and :func:`remove` first finish what a
killed writer left, and all three refresh the derived files (:mod:`kg.outputs`).

>>> extract([], model="no_such_model_xyz")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
kg.errors.ModelNotFoundError: spaCy pipeline 'no_such_model_xyz' is not installed; ...
"""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from kg.config import Config, make_config
from kg.errors import InputError
from kg.fileio import atomic_path, exit_point
from kg.graph import KnowledgeGraph
from kg.model import Document, Extraction
from kg.outputs import STALE_NOTICE, refresh_stale_outputs, write_outputs
from kg.rdf import Quad, document_iri, extraction_quads
from kg.store import (
    BuildSummary,
    Progress,
    WriterLock,
    discard,
    new_staging_dir,
    recover,
    require_graph_dir,
    swap_in,
    take_over,
    to_ox_quad,
)

if TYPE_CHECKING:
    from rdflib import URIRef

    from kg.read import ReadNote


def build(
    texts: Iterable[str] | None = None,
    *,
    files: Sequence[str | Path] | None = None,
    path: str | Path | None = None,
    config: Config | None = None,
    model: str | None = None,
    workers: int | None = None,
    patterns: Sequence[str | Path] | None = None,
    dask: str | None = None,
    progress: Progress | bool | None = None,
    on_note: Callable[[ReadNote], None] | None = None,
    decisions: str | Path | None = None,
    authority: str | Path | None = None,
) -> KnowledgeGraph:
    """Build a knowledge graph from texts and/or files in one call.

    With ``path`` the graph is written to that graph directory (its store,
    ``graph.trig``, ``graph.html``, ``build.json``), replacing an earlier graph
    there only once the new one is complete; without, it lives in memory.
    ``model``, ``workers``, ``patterns`` and ``dask`` change those fields of
    ``config`` (or of the default :class:`Config`): ``dask="local:2"`` extracts on
    a local Dask cluster of two workers, ``dask="tcp://host:8786"`` on a running
    one, and the graph is the same as without.
    ``progress`` is a callback ``(documents, words)``, or ``True`` for a progress bar
    (``tqdm.auto``: a widget in Jupyter, text on a terminal).

    Corpus resolution replays the decisions file (``decisions``, else the graph
    directory's ``decisions.tsv``) and links nodes to the authority table
    (``authority``, else the directory's ``authority.csv``); a file given is
    copied into the graph directory, so later ``add`` and ``review`` use it too.

    >>> g = build([])   # doctest: +SKIP
    """
    config = make_config(config, model=model, workers=workers, patterns=patterns, dask=dask)
    if texts is not None:
        texts = _texts_checked(texts)
    if path is None:
        graph = KnowledgeGraph(config=config, decisions=decisions, authority=authority)
        _fill(graph, texts, files, progress, on_note)
        return graph
    graph_dir = Path(path)
    tables = _resolution_files(graph_dir, decisions, authority)
    with _locked(graph_dir) as lock:
        staging = new_staging_dir(graph_dir)
        try:
            # build in a fresh store beside the live one, then swap it in: no
            # writer has the live one open (the lock), so nothing writes into
            # the swapped folders by their old names
            fresh = KnowledgeGraph(
                staging, config=config, create=True, decisions=tables[0], authority=tables[1]
            )
            with _closed_on_error(fresh):
                summary = _fill(fresh, texts, files, progress, on_note)
                summary = _with_notes(summary, fresh)
            fresh.close()
            swap_in(graph_dir, staging)
            exit_point("swapped")
        finally:
            discard(staging)
        _remember(graph_dir, decisions, authority)
        graph = KnowledgeGraph(
            graph_dir, config=config, decisions=decisions, authority=authority, _lock=lock
        )
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
    progress: Progress | bool | None = None,
    on_note: Callable[[ReadNote], None] | None = None,
    decisions: str | Path | None = None,
    authority: str | Path | None = None,
) -> KnowledgeGraph:
    """Add files to the graph directory ``path`` (same id → replaced) and refresh its files.

    Each batch of documents is one store transaction: a killed run leaves whole
    documents only. ``decisions`` and ``authority`` are as for :func:`build`.
    """
    graph_dir = Path(path)
    graph, notices = _open_writer(
        graph_dir, config, *_resolution_files(graph_dir, decisions, authority)
    )
    with _closed_on_error(graph):
        summary = graph.add_files(inputs, progress=progress, on_note=on_note)
        summary = _with_notes(replace(summary, notices=notices + summary.notices), graph)
        _remember(graph_dir, decisions, authority)
        write_outputs(graph, summary)
    graph.last_summary = summary
    return graph


def remove(doc_ids: Sequence[str], path: str | Path) -> KnowledgeGraph:
    """Drop documents from the graph directory ``path`` and refresh its files."""
    graph, notices = _open_writer(Path(path), None)
    with _closed_on_error(graph):
        summary = replace(graph.remove_document(*doc_ids), notices=notices)
        summary = _with_notes(summary, graph)
        write_outputs(graph, summary)
    graph.last_summary = summary
    return graph


def decide(
    verdict: str,
    a: str,
    b: str,
    path: str | Path,
    *,
    note: str = "",
    decisions: str | Path | None = None,
) -> KnowledgeGraph:
    """Record a merge decision for the graph directory ``path`` and reconcile it at once.

    ``a`` and ``b`` are keys, entity IRIs or unambiguous labels; the decision goes
    to ``decisions`` (else the directory's ``decisions.tsv``), which later builds
    and adds replay.

    Raises:
        InputError: a name matches no entity or several.
    """
    graph_dir = Path(path)
    graph, notices = _open_writer(graph_dir, None, *_resolution_files(graph_dir, decisions, None))
    with _closed_on_error(graph):
        graph.decide(verdict, a, b, note=note)
        _remember(graph_dir, decisions, None)
        summary = _with_notes(replace(graph.summary(), notices=notices), graph)
        write_outputs(graph, summary)
    graph.last_summary = summary
    return graph


def _resolution_files(
    graph_dir: Path, decisions: str | Path | None, authority: str | Path | None
) -> tuple[Path, Path | None]:
    """The decisions and authority files a command on ``graph_dir`` uses, checked first.

    Raises:
        InputError: a file given does not exist or does not parse.
    """
    from kg.resolve.decisions import (
        AUTHORITY_FILE,
        DECISIONS_FILE,
        read_authority,
        read_decisions,
    )

    decisions_file = Path(decisions) if decisions else graph_dir / DECISIONS_FILE
    authority_file = Path(authority) if authority else graph_dir / AUTHORITY_FILE
    if authority and not authority_file.is_file():
        raise InputError(f"authority file {authority} does not exist; give a CSV or JSON file")
    read_decisions(decisions_file)
    if not authority_file.is_file():
        return decisions_file, None
    read_authority(authority_file)
    return decisions_file, authority_file


def _remember(graph_dir: Path, decisions: str | Path | None, authority: str | Path | None) -> None:
    """Copy the decisions and authority files a command was given into ``graph_dir``."""
    from kg.resolve.decisions import (
        AUTHORITY_FILE,
        DECISIONS_FILE,
        read_authority,
        read_decisions,
        write_authority,
        write_decisions,
    )

    if decisions and Path(decisions).resolve() != (graph_dir / DECISIONS_FILE).resolve():
        write_decisions(graph_dir / DECISIONS_FILE, read_decisions(decisions))
    if authority and Path(authority).resolve() != (graph_dir / AUTHORITY_FILE).resolve():
        write_authority(graph_dir / AUTHORITY_FILE, read_authority(authority))


def _with_notes(summary: BuildSummary, graph: KnowledgeGraph) -> BuildSummary:
    """``summary`` with what the last corpus resolution noted and rewrote."""
    done = graph.last_reconciled
    if done is None:
        return summary
    lines = list(done.notes)
    if done.resolution.merges:
        n = len(done.resolution.merges)
        lines.append(
            f"merged {n} key{'s' if n != 1 else ''} across documents (kg review lists them)"
        )
    return replace(summary, notices=summary.notices + tuple(lines))


def _open_writer(
    graph_dir: Path,
    config: Config | None,
    decisions: Path | None = None,
    authority: Path | None = None,
) -> tuple[KnowledgeGraph, tuple[str, ...]]:
    """The graph directory opened for writing, after finishing what a killed writer left.

    Returns the graph and the notices of what was repaired.
    """
    require_graph_dir(graph_dir)
    with _locked(graph_dir) as lock:
        graph = KnowledgeGraph(
            graph_dir, config=config, decisions=decisions, authority=authority, _lock=lock
        )
    with _closed_on_error(graph):
        stale = refresh_stale_outputs(graph)
    exit_point("opened")
    return graph, (STALE_NOTICE,) if stale else ()


@contextmanager
def _locked(graph_dir: Path) -> Iterator[WriterLock]:
    """The writer lock of ``graph_dir``, released if the block fails.

    An earlier writer of this process on it is closed first, and what a killed
    writer left half done is finished once the lock is held.
    """
    take_over(graph_dir)
    lock = WriterLock.acquire(graph_dir)
    try:
        recover(graph_dir)
        yield lock
    except BaseException:
        lock.release()
        raise


@contextmanager
def _closed_on_error(graph: KnowledgeGraph) -> Iterator[None]:
    """Release the store if the block fails, so the caller can open it again."""
    try:
        yield
    except BaseException:
        graph.close()
        raise


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

    out = Path(json_dir)
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    with Extractor.from_config(config) as extractor:
        for x in extractor(iter_documents(inputs, on_note=on_note), on_note=on_note):
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
    progress: Progress | bool | None,
    on_note: Callable[[ReadNote], None] | None,
) -> BuildSummary:
    summaries = []
    if texts is not None:
        summaries.append(graph.add_texts(texts, progress=progress, on_note=on_note))
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


def _push_resolution(
    extractions: Sequence[Extraction], send: Callable[[URIRef, list[Quad]], None]
) -> None:
    """Corpus resolution for a push: the documents whose nodes move are sent again,
    on canonical IRIs, and the resolution graph once (as a local build writes them)."""
    from kg.rdf_resolution import canonical_triples, resolution_quads
    from kg.resolve.corpus import resolve_corpus
    from kg.store.reconcile import document_targets
    from kg.store.records import extraction_states
    from kg.vocab import RESOLUTION_GRAPH

    latest = {x.document.id: x for x in extractions}  # a later copy of an id replaces it
    states = extraction_states(*latest.values())
    resolution = resolve_corpus([s.local for s in states])
    for doc, targets in document_targets(states, resolution).items():
        graph = document_iri(doc)
        local = [(s, p, o) for s, p, o, _ in extraction_quads(latest[doc])]
        send(graph, [(s, p, o, graph) for s, p, o in canonical_triples(local, targets)])
    forms: dict[str, set[str]] = {}
    for state in states:
        forms.setdefault(state.local.key, set()).update(state.local.forms)
    quads = resolution_quads(resolution, forms)
    if quads:
        send(RESOLUTION_GRAPH, quads)


def extract(
    texts: Iterable[str | Document],
    *,
    config: Config | None = None,
    model: str | None = None,
    workers: int | None = None,
    patterns: Sequence[str | Path] | None = None,
    dask: str | None = None,
) -> list[Extraction]:
    """Extraction only, no RDF: one :class:`Extraction` per text or :class:`Document`.

    Plain strings get ids ``doc-1``, ``doc-2``...; ``model``, ``workers``, ``patterns``
    and ``dask`` change those fields of ``config`` (or of the default :class:`Config`).
    """
    from kg.extraction import Extractor

    config = make_config(config, model=model, workers=workers, patterns=patterns, dask=dask)
    docs = (
        t if isinstance(t, Document) else Document(f"doc-{n}", t) for n, t in enumerate(texts, 1)
    )
    with Extractor.from_config(config) as extractor:
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
    from kg.read import iter_documents
    from kg.remote import replace_graph

    started = time.perf_counter()
    notes: list[ReadNote] = []

    def note(n: ReadNote) -> None:
        notes.append(n)
        if on_note:
            on_note(n)

    def send(graph: URIRef, quads: list[Quad]) -> None:
        triples = [to_ox_quad(q).triple for q in quads]
        data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
        replace_graph(endpoint, str(graph), data, graph_store=graph_store)

    n_docs = n_words = n_triples = 0
    written: list[Extraction] = []
    with Extractor.from_config(config) as extractor:
        for x in extractor(iter_documents(inputs, on_note=note), on_note=note):
            quads = extraction_quads(x)
            send(document_iri(x.document.id), quads)
            written.append(x)
            n_docs += 1
            n_words += len(x.document.text.split())
            n_triples += len(quads)
            if progress:
                progress(n_docs, n_words)
    if n_docs == 0:
        raise InputError(f"no readable input in {', '.join(map(str, inputs))}")
    _push_resolution(written, send)
    return BuildSummary(
        documents=n_docs,
        words=n_words,
        seconds=time.perf_counter() - started,
        triples=n_triples,
        total_documents=n_docs,
        notes=tuple(notes),
    )
