"""Labels a policy knows (services, categories, flags), and the closest one to a stray label.

Exports spell labels as people type them: ``Court``, ``CP ``, ``Court proceedings``.
The reader lower-cases and trims every label (``columns.Column.vocabulary``),
then checks it here against the policy in force. A label the policy does not
know is a warning naming the closest known label; it is an error when that
closest label is one a protection depends on (a label an ASYE may not hold
alone, a category with its own cap or in a caseload mix, a statutory category or
flag), since
reading it as written would silently switch the protection off for that child.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from models import Policy

_WORDS = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Vocabulary:
    """The labels of one kind a policy knows, and those a protection depends on."""

    kind: str
    """``service``, ``category`` or ``flag``."""
    known: dict[str, str]
    """Lower-case label -> the policy's own spelling."""
    protected: dict[str, str]
    """Label -> the protections that depend on it, in words (``ASYE exclusion``)."""


def vocabularies(policy: Policy) -> dict[str, Vocabulary]:
    """The policy's services, categories and flags, each with its protected labels.

    Examples
    --------
    >>> from models import load_policy
    >>> flags = vocabularies(load_policy("default"))["flag"]
    >>> "court" in flags.known, flags.protected["court"]
    (True, 'statutory priority')
    """
    asye = set(policy.asye.excluded)
    priorities = policy.priorities
    capped = {c for s in policy.services.values() for c in s.category_caps_per_fte}
    capped |= {c for s in policy.services.values() if s.mix for c in s.mix.mixed_per_fte}
    categories = (
        set(policy.weighting.category) | set(priorities.statutory_categories) | capped | asye
    )
    flags = (
        set(policy.weighting.flags)
        | set(priorities.statutory_flags)
        | set(priorities.risk_flags)
        | asye
    )

    def protections(label: str, statutory: tuple[str, ...], caps: set[str]) -> str:
        why = []
        if label in asye:
            why.append("ASYE exclusion")
        if label in caps:
            why.append("its own category cap")
        if label in statutory:
            why.append("statutory priority")
        return ", ".join(why)

    def vocabulary(kind: str, labels: set[str], statutory: tuple[str, ...], caps: set[str]):
        protected = {label: protections(label, statutory, caps) for label in labels}
        return Vocabulary(
            kind,
            {label.lower(): label for label in labels},
            {label: why for label, why in protected.items() if why},
        )

    return {
        "service": vocabulary("service", set(policy.services), (), set()),
        "category": vocabulary("category", categories, priorities.statutory_categories, capped),
        "flag": vocabulary("flag", flags, priorities.statutory_flags, set()),
    }


def closest(label: str, known: list[str]) -> str | None:
    """The known label ``label`` most likely means, or ``None``.

    A known label that is a whole word of ``label`` wins (``court proceedings`` ->
    ``court``); otherwise the most similar one, ignoring case, spaces and
    punctuation (``non engagement`` -> ``non_engagement``, ``cuort`` -> ``court``).

    Examples
    --------
    >>> closest("court proceedings", ["court", "cse", "missing"])
    'court'
    >>> closest("Non-Engagement", ["non_engagement", "neglect"])
    'non_engagement'
    >>> closest("respite", ["cin", "cp", "cla"]) is None
    True
    """
    text = label.lower()
    words = _WORDS.findall(text)
    squashed = {"_".join(_WORDS.findall(k.lower())): k for k in known}
    joined = "_".join(words)
    if joined in squashed:
        return squashed[joined]
    whole = sorted(k for k in known if k.lower() in words)
    if whole:
        return max(whole, key=len)
    found = difflib.get_close_matches(joined, sorted(squashed), n=1, cutoff=0.7)
    return squashed[found[0]] if found else None
