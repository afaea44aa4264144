"""Anaphors ("the ministry", "the plan", "the country") joined to the entity they mean."""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Sequence

from kg.model import Mention
from kg.resolve.names import singular
from kg.text import ANAPHOR_TARGETS as _ANAPHOR_TARGETS


def attach_anaphors(
    groups: dict[int, list[int]],
    mentions: Sequence[Mention],
    norm: Sequence[str],
    var: Sequence[str],
) -> dict[int, list[int]]:
    """Short forms ("the plan", "the ministry", "the country") join what they mean.

    The one candidate, else the nearest named before; with none they are dropped.
    For "the country": the country the text names most.

    Args:
        groups: Mention indices by group (:meth:`~kg.resolve.merge.Merger.groups`);
            updated in place and returned.
        mentions: The document's mentions.
        norm: Each mention's normalised name.
        var: Each mention's variant key (:func:`~kg.resolve.names.variant_key`).

    >>> ms = [Mention("m1", "Organization", "Ministry of Commerce", 0, 20, 0, 40, "org"),
    ...       Mention("m2", "Organization", "the ministry", 22, 34, 0, 40, "org.anaphor")]
    >>> from kg.resolve.merge import Merger
    >>> merger = Merger("Ministry of Commerce, the ministry said", ms)
    >>> attach_anaphors(merger.groups(), ms, merger.norm, merger.var)
    {0: [0, 1]}
    """
    anaphors = [
        r for r, idx in groups.items() if all(mentions[i].rule.endswith(".anaphor") for i in idx)
    ]
    pending = [i for r in anaphors for i in groups.pop(r)]
    # per group, kept up to date as anaphors join: its words and its mentions' starts
    words_of = {
        root: {w for j in idx for w in var[j].split() + norm[j].split()}
        for root, idx in groups.items()
    }
    starts_of = {root: sorted(mentions[j].start for j in idx) for root, idx in groups.items()}
    by_type: dict[str, list[int]] = {}
    for root, idx in groups.items():
        by_type.setdefault(mentions[idx[0]].type, []).append(root)
    for i in pending:
        m = mentions[i]
        head = norm[i].split()[-1] if norm[i] else ""
        heads = _ANAPHOR_TARGETS.get(head, (head, singular(head)))
        targets = [
            root
            for root in by_type.get(m.type, [])
            if m.type == "Location" or any(h in words_of[root] for h in heads)
        ]
        if m.type == "Location" and targets:
            most = max(len(groups[root]) for root in targets)
            targets = [root for root in targets if len(groups[root]) == most]
        elif len(targets) > 1:
            before = []
            for root in targets:
                k = bisect_left(starts_of[root], m.start)
                if k:
                    before.append((starts_of[root][k - 1], root))
            targets = [max(before)[1]] if before else []
        if len(targets) == 1:
            root = targets[0]
            groups[root].append(i)
            words_of[root].update(var[i].split() + norm[i].split())
            insort(starts_of[root], m.start)
    return groups
