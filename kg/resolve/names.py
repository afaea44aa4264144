"""The forms of a name that resolution compares, and the one an entity is called by.

>>> initials("National Development and Reform Commission")
'NDRC'
>>> is_acronym("NDRC"), singular("policies")
(True, 'policy')
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from kg.model import Mention
from kg.text import normalise_name

_ACRONYM_SKIP = frozenset("of and for the & on in to de des du la le".split())
_SECTOR_SUFFIXES = (" sectors", " sector", " industries", " industry")


def singular(word: str) -> str:
    """``word`` without a plural ending (a rough English rule, enough for keys)."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def variant_key(mention: Mention) -> str:
    """A looser form: sector suffixes dropped and the last word singular."""
    name = normalise_name(mention.text)
    if mention.type == "Sector":
        for suffix in _SECTOR_SUFFIXES:
            if name.endswith(suffix) and len(name) > len(suffix):
                name = name[: -len(suffix)]
                break
    words = name.split()
    if words and mention.type in ("Sector", "Policy"):
        words[-1] = singular(words[-1])
    return " ".join(words)


def initials(text: str) -> str:
    words = re.findall(r"[A-Za-z][A-Za-z'\-]*", text)
    return "".join(w[0] for w in words if w.lower() not in _ACRONYM_SKIP).upper()


def is_acronym(text: str) -> bool:
    letters = text.replace(".", "").replace("&", "")
    return 2 <= len(letters) <= 10 and letters.isalpha() and sum(c.isupper() for c in letters) >= 2


def canonical(mentions: Sequence[Mention], typ: str) -> str:
    forms = [m.text for m in mentions if not m.rule.endswith(".anaphor")]
    forms = forms or [m.text for m in mentions]
    if typ in ("Organization", "Policy"):
        full = [f for f in forms if not is_acronym(f)] or forms
        return max(full, key=lambda f: (len(f), -forms.index(f)))
    if typ == "Person":
        return max(forms, key=lambda f: (len(f.split()), len(f), -forms.index(f)))
    counts = Counter(forms)
    # Datelines are upper case; prefer the ordinary spelling when there is one.
    best = max(forms, key=lambda f: (not f.isupper(), counts[f], -len(f), -forms.index(f)))
    if typ == "Location" and best.isupper() and len(best) > 3:
        best = " ".join(w.title() if len(w) > 3 else w for w in best.split())
    return best
