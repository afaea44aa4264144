"""HTML → text: the main text (trafilatura) or all of it (lxml), paragraphs kept apart."""

from __future__ import annotations

import re
from typing import Any

__all__ = ["html_to_text"]

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")
_BLOCK_TAGS = frozenset(
    "address article aside blockquote caption dd details dialog div dl dt fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table "
    "tbody thead tfoot tr ul body html".split()
)
_DROPPED_TAGS = ("script", "style", "noscript", "template", "head", "svg", "math", "iframe")
_PARA, _LINE = "\ue000", "\ue001"  # private-use markers, removed from the input first


def html_to_text(html: str, *, main_text: bool = True) -> tuple[str, str, str]:
    """The readable text of an HTML page, its title, and which extractor found the text.

    trafilatura picks the main text (dropping navigation, scripts, styles);
    when it finds nothing, or ``main_text`` is False, lxml's text of the whole
    body is used (scripts, styles and comments dropped). Paragraphs are
    separated by blank lines.

    Args:
        html: The page, decoded.
        main_text: Keep only the main text (trafilatura) rather than all of it.

    Returns:
        ``(text, title, extractor)``; ``text`` is ``""`` when the page has none.

    >>> page = "<title>Notice</title><script>x()</script><p>One.</p><p>Two.</p>"
    >>> html_to_text(page)
    ('One.\\n\\nTwo.', 'Notice', 'trafilatura')
    >>> html_to_text("<nav>Home</nav><p>One.<br>Two.</p>", main_text=False)
    ('Home\\n\\nOne.\\nTwo.', '', 'lxml')
    """
    html = _XML_DECLARATION.sub("", html.replace(_PARA, "").replace(_LINE, ""), count=1)
    tree = _parse_html(html)
    title = ""
    if tree is not None:
        node = tree.find(".//title")
        if node is not None:
            title = " ".join(node.text_content().split())
    text = _trafilatura_text(html) if main_text else ""
    if text:
        return text, title, "trafilatura"
    return (_lxml_text(tree) if tree is not None else ""), title, "lxml"


def _parse_html(html: str) -> Any:
    import lxml.etree
    import lxml.html

    try:
        return lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return None


def _trafilatura_text(html: str) -> str:
    import trafilatura

    try:
        out = trafilatura.extract(
            html,
            output_format="txt",
            favor_recall=True,
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=False,
            deduplicate=False,
            with_metadata=False,
        )
    except Exception:  # a page trafilatura chokes on still gets the lxml reading
        return ""
    if not out:
        return ""
    # trafilatura puts one paragraph per line; kg's paragraphs are blank-line separated.
    return "\n\n".join(line.strip() for line in out.split("\n") if line.strip())


def _lxml_text(tree: Any) -> str:
    import lxml.etree

    for node in [*tree.iter(*_DROPPED_TAGS), *tree.iter(lxml.etree.Comment, lxml.etree.PI)]:
        if node.getparent() is not None:
            node.drop_tree()  # keeps the node's tail text
    parts: list[str] = []
    # iterwalk, not recursion: hostile pages nest thousands of elements deep.
    for event, node in lxml.etree.iterwalk(tree, events=("start", "end")):
        tag = node.tag if isinstance(node.tag, str) else ""
        if event == "start":
            parts.append(_PARA if tag in _BLOCK_TAGS else _LINE if tag == "br" else "")
            parts.append(" " if tag in ("td", "th") else "")
            parts.append(node.text or "")
        else:
            parts.append(_PARA if tag in _BLOCK_TAGS else "")
            parts.append(node.tail or "")
    paragraphs = []
    for para in "".join(parts).split(_PARA):
        lines = (" ".join(line.split()) for line in para.split(_LINE))
        para = "\n".join(line for line in lines if line)
        if para:
            paragraphs.append(para)
    return "\n\n".join(paragraphs)
