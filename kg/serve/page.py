"""The query page at ``/``: a form, a result table, and the ready-made queries of ``queries/``."""

from __future__ import annotations

import html
import json
import secrets
from pathlib import Path

from starlette.responses import HTMLResponse

from kg.vocab import PREFIXES


def ready_made_queries(folder: Path) -> list[tuple[str, str, str]]:
    """The ``.rq`` files of ``folder``: (name, description from the leading ``#`` lines, text).

    >>> ready_made_queries(Path("/nonexistent"))
    []
    """
    found = []
    for path in sorted(folder.glob("*.rq")) if folder.is_dir() else []:
        text = path.read_text(encoding="utf-8")
        about = []
        for line in text.splitlines():
            if not line.startswith("#"):
                break
            about.append(line.lstrip("#").strip())
        found.append((path.stem, " ".join(about), text))
    return found


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kg SPARQL endpoint</title>
<style nonce="{nonce}">
body{{font:15px/1.4 system-ui,sans-serif;margin:1.5em auto;max-width:72em;padding:0 1em}}
textarea{{width:100%;height:16em;font:13px monospace}}
table{{border-collapse:collapse;margin-top:1em}}td,th{{border:1px solid #bbb;padding:2px 6px;
text-align:left;vertical-align:top;font-size:13px}}pre{{background:#f4f4f4;padding:.5em;overflow:auto}}
li{{margin:.3em 0}}button.link{{background:none;border:0;color:#0645ad;cursor:pointer;padding:0;
font:inherit;text-decoration:underline}}#status{{margin-left:1em;color:#555}}
</style></head><body>
<h1>kg SPARQL endpoint</h1>
<p>SPARQL 1.1 Protocol endpoint (read-only) at <code>sparql</code>: GET <code>?query=</code>,
POST form or <code>application/sparql-query</code>. Time limit {timeout:g} s, at most
{max_results:,} results. The default graph is the union of the document graphs.
kg's prefixes are predefined, as in <code>kg query</code>: {prefixes}.
GET <code>sparql</code> without a query gives the service description.</p>
<form id="f" method="post" action="sparql">
<textarea name="query" id="query" spellcheck="false">{first}</textarea>
<p><label>Result format <select id="accept">{options}</select></label>
<button type="submit">Run query</button><span id="status"></span></p>
</form>
<div id="out"></div>
<h2>Ready-made queries</h2>
<ul>{items}</ul>
<script type="application/json" id="queries" nonce="{nonce}">{queries_json}</script>
<script nonce="{nonce}">
const Q = JSON.parse(document.getElementById("queries").textContent);
document.querySelectorAll("button[data-q]").forEach(b => b.addEventListener("click", () => {{
  document.getElementById("query").value = Q[b.dataset.q]; window.scrollTo(0, 0); }}));
const out = document.getElementById("out"), status = document.getElementById("status");
function cell(t) {{
  if (!t) return "";
  if (t.type === "literal") return t.value + (t["xml:lang"] ? "@" + t["xml:lang"] : "");
  if (t.type === "bnode") return "_:" + t.value;
  if (t.type === "triple") return "<< " + [t.value.subject, t.value.predicate,
      t.value.object].map(cell).join(" ") + " >>";
  return "<" + t.value + ">";
}}
document.getElementById("f").addEventListener("submit", async ev => {{
  ev.preventDefault(); out.replaceChildren(); status.textContent = "running...";
  const t0 = performance.now();
  const r = await fetch("sparql", {{method: "POST", body: new URLSearchParams(
    {{query: document.getElementById("query").value}}),
    headers: {{"Accept": document.getElementById("accept").value}}}});
  const text = await r.text();
  status.textContent = r.status + " " + r.statusText + " in " +
    Math.round(performance.now() - t0) + " ms";
  const type = r.headers.get("Content-Type") || "";
  if (r.ok && type.startsWith("application/sparql-results+json")) {{
    const data = JSON.parse(text);
    if ("boolean" in data) {{ const p = document.createElement("p");
      p.textContent = "ASK: " + data.boolean; out.append(p); return; }}
    const table = document.createElement("table"), head = table.insertRow();
    data.head.vars.forEach(v => {{ const th = document.createElement("th");
      th.textContent = "?" + v; head.append(th); }});
    data.results.bindings.forEach(b => {{ const row = table.insertRow();
      data.head.vars.forEach(v => {{ row.insertCell().textContent = cell(b[v]); }}); }});
    const n = document.createElement("p");
    n.textContent = data.results.bindings.length + " rows"; out.append(n, table);
  }} else {{ const pre = document.createElement("pre"); pre.textContent = text; out.append(pre); }}
}});
</script></body></html>
"""

_PAGE_FORMATS = (
    ("application/sparql-results+json, text/turtle;q=0.9", "table (SELECT/ASK) / Turtle"),
    ("text/csv", "CSV"),
    ("text/tab-separated-values", "TSV"),
    ("application/sparql-results+xml, application/rdf+xml;q=0.9", "XML / RDF-XML"),
    ("application/sparql-results+json, application/ld+json;q=0.9", "JSON / JSON-LD"),
    ("application/n-triples", "N-Triples"),
)


def query_page(queries_dir: Path, timeout: float, max_results: int) -> HTMLResponse:
    """The page, with a fresh script nonce and a Content-Security-Policy that needs it.

    >>> page = query_page(Path("/nonexistent"), 10.0, 100)
    >>> page.status_code, "none found" in page.body.decode()
    (200, True)
    """
    queries = ready_made_queries(queries_dir)
    nonce = secrets.token_urlsafe(16)
    items = (
        "".join(
            f'<li><button class="link" type="button" data-q="{html.escape(name)}">'
            f"{html.escape(name)}</button>: {html.escape(about)}</li>"
            for name, about, _ in queries
        )
        or "<li>none found</li>"
    )
    options = "".join(
        f'<option value="{html.escape(value)}">{html.escape(label)}</option>'
        for value, label in _PAGE_FORMATS
    )
    # "</" is escaped so no query text can close the <script> element
    queries_json = json.dumps({name: text for name, _, text in queries}).replace("</", "<\\/")
    first = queries[0][2] if queries else "SELECT * WHERE { ?s ?p ?o } LIMIT 10"
    body = _PAGE.format(
        nonce=nonce,
        timeout=timeout,
        max_results=max_results,
        first=html.escape(first),
        options=options,
        items=items,
        queries_json=queries_json,
        prefixes=", ".join(f"<code>{html.escape(p)}:</code>" for p in PREFIXES),
    )
    csp = (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )
    return HTMLResponse(
        body, headers={"Content-Security-Policy": csp, "X-Content-Type-Options": "nosniff"}
    )
