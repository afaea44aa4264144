"""``kg serve``: a read-only SPARQL 1.1 Protocol endpoint over a graph directory.

Starlette answers HTTP (run by uvicorn); queries run in a small pool of worker
processes, each holding the store open read-only. pyoxigraph has no query
timeout and crashes the whole process on some hostile queries, so a worker that
overruns the time limit is killed, and one that dies is replaced: the server
itself never evaluates SPARQL. Cheap checks (length, nesting, updates,
``SERVICE``) run before a query reaches a worker.

The default graph is the union of the document graphs: the store's own default
graph, which ``kg.store`` keeps equal to their set union (the build graph stays
out); ``default-graph-uri`` / ``named-graph-uri`` or a ``FROM`` clause replace it.
Workers reopen the store when its files change, so ``kg add`` shows up live.
kg's prefixes are predefined, as in ``kg query`` and ``KnowledgeGraph.query``
(one dialect); ``GET /sparql`` without a query answers the service description.

>>> inspect_query("PREFIX ex: <http://x.org/> SELECT * FROM ex:g WHERE { ?s ?p ?o }")
QueryShape(form='SELECT', has_dataset=True)
>>> negotiate("text/csv;q=0.5, application/sparql-results+json", RESULT_FORMATS).name
'json'
"""

from kg.query import MAX_DEPTH, MAX_QUERY_LENGTH, QueryShape, inspect_query
from kg.serve.app import create_app, serve
from kg.serve.formats import GRAPH_FORMATS, RESULT_FORMATS, Format, negotiate
from kg.serve.worker import WORKER_MEMORY

__all__ = [
    "GRAPH_FORMATS",
    "MAX_DEPTH",
    "MAX_QUERY_LENGTH",
    "RESULT_FORMATS",
    "WORKER_MEMORY",
    "Format",
    "QueryShape",
    "create_app",
    "inspect_query",
    "negotiate",
    "serve",
]
