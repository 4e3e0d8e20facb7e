"""What every worker and team holds under one assignment, kept current as children move.

One tally serves the greedy baseline, the rebalancing moves, the explanations,
the findings and the result, so they all count the same thing: children,
weighted load, children per category, new arrivals, and cases per team (a
sibling group is one case). The sibling discount is applied here and nowhere
else: a child held by the same worker as a sibling counts its ``together``
weight, and so does that sibling.

Every cap follows the model's rule ``after <= max(cap, before)``: a worker
already at or above a cap keeps what they hold and takes nothing new.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence

from allocator.prepare import Instance

TOLERANCE = 1e-9
"""Slack when comparing float loads with a cap."""


class Holdings:
    """Counts and loads per worker and team under ``assignment`` (child index -> worker
    index or ``None``), updated by :meth:`place`.

    Attributes
    ----------
    assignment
        Worker index of every child, ``None`` for a child nobody holds.
    weights
        Weight each child counts for (the ``together`` weight when its worker holds
        a sibling too; its own weight when nobody holds it).
    count, arrivals
        Children, and children new to the worker, per worker.
    newcomers
        Per worker, the indices of the children they hold who are new to them
        (awaiting closure or not).
    category
        Children per category, per worker.
    team_cases, cases
        Per team and per worker, each case held (family or single child) and how many
        of its children.

    Children awaiting closure are not part of the active caseload: they keep
    their worker in ``assignment`` but count nowhere else.
    """

    def __init__(self, inst: Instance, assignment: Sequence[int | None]) -> None:
        self.inst = inst
        n = len(inst.workers)
        self.assignment: list[int | None] = [None] * len(inst.children)
        self.weights = [ch.weight for ch in inst.children]
        self.count = [0] * n
        self.arrivals = [0] * n
        self.newcomers: list[set[int]] = [set() for _ in range(n)]
        self.category: list[dict[str, int]] = [{} for _ in range(n)]
        self.team_cases: dict[str, Counter[str]] = {t: Counter() for t in inst.team_workers}
        self.cases: list[Counter[str]] = [Counter() for _ in range(n)]
        self._raw = [0.0] * n
        self._family_on: dict[tuple[str, int], list[int]] = {}
        for c, w in enumerate(assignment):
            if w is not None:
                self._add(c, w)

    # -- reading ------------------------------------------------------------------------

    def load(self, w: int) -> float:
        """Weighted load of worker ``w``, in weight units, to 4 decimals."""
        return round(self._raw[w], 4)

    @property
    def loads(self) -> list[float]:
        """Every worker's load (see :meth:`load`)."""
        return [round(x, 4) for x in self._raw]

    def utilisation(self, w: int) -> float:
        """Load per FTE of capacity (0 without capacity)."""
        capacity = self.inst.workers[w].capacity
        return self.load(w) / capacity if capacity > 0 else 0.0

    def objective(self) -> float:
        """``sum_w load_w**2 / capacity_w`` over workers with capacity (the contract's)."""
        return sum(
            self.load(w.index) ** 2 / w.capacity for w in self.inst.workers if w.capacity > 0
        )

    def splits(self) -> dict[str, list[int]]:
        """Families held by more than one worker -> their holders, sorted."""
        holders: dict[str, set[int]] = {}
        for (family, w), held in self._family_on.items():
            if held:
                holders.setdefault(family, set()).add(w)
        return {f: sorted(ws) for f, ws in sorted(holders.items()) if len(ws) > 1}

    def added_load(self, block: Iterable[int], w: int) -> float:
        """How much worker ``w``'s load grows if every child of ``block`` joins them
        (siblings joining each other, or one ``w`` already holds, count the discount)."""
        inst = self.inst
        new = [c for c in block if self.assignment[c] != w and inst.children[c].active]
        extra = 0.0
        by_family: dict[str, list[int]] = {}
        for c in new:
            family = inst.children[c].family
            if family is None or family not in inst.families:
                extra += inst.children[c].weight
            else:
                by_family.setdefault(family, []).append(c)
        for family, joining in by_family.items():
            held = self._family_on.get((family, w), [])
            if len(held) + len(joining) < 2:
                extra += sum(inst.children[c].weight for c in joining)
                continue
            extra += sum(inst.children[c].weight_together for c in joining)
            if len(held) == 1:  # the sibling already there now counts together too
                s = inst.children[held[0]]
                extra -= s.weight - s.weight_together
        return extra

    def removed_load(self, c: int) -> float:
        """How much the load of child ``c``'s worker drops if ``c`` leaves them."""
        w = self.assignment[c]
        if w is None or not self.inst.children[c].active:
            return 0.0
        drop = self.weights[c]
        family = self.inst.children[c].family
        held = self._family_on.get((family, w), []) if family is not None else []
        if len(held) == 2:  # the sibling left behind counts alone again
            other = self.inst.children[held[0] if held[1] == c else held[1]]
            drop -= other.weight - other.weight_together
        return drop

    # -- rules -----------------------------------------------------------------------

    def fits(self, block: list[int], w: int) -> bool:
        """Whether worker ``w`` may take every child of ``block`` under every cap (and
        without crossing an approval threshold: what a manager does by hand)."""
        return next(self._blocks(block, w), None) is None

    def blocking_caps(self, c: int, w: int) -> list[tuple[str, str]]:
        """Caps that child ``c`` joining worker ``w`` would break, as ``(rule, words)``
        (an approval threshold the policy lets a proposal cross does not block)."""
        return list(self._blocks([c], w, crossing_blocks=False))

    def _blocks(
        self, block: list[int], w: int, *, crossing_blocks: bool = True
    ) -> Iterator[tuple[str, str]]:
        """Each cap ``block`` joining ``w`` would break, as ``(rule, words)``, lazily."""
        inst = self.inst
        info = inst.workers[w]
        wid = info.worker_id
        joining = [c for c in block if self.assignment[c] != w and inst.children[c].active]
        if not joining:
            return
        k = len(joining)
        limit = info.count_limit
        if limit is not None and self.count[w] + k > limit:
            n = self.count[w]
            yield (
                "count_cap",
                f"{wid} holds {n} child{'' if n == 1 else 'ren'}, cap {info.count_cap}",
            )
        load_limit = info.load_limit
        if load_limit is not None and (
            self._raw[w] + self.added_load(joining, w) > load_limit + TOLERANCE
        ):
            words = f"{wid} carries load {self.load(w):g} of {load_limit:g}"
            yield ("load_cap", words)
        cases_limit = info.cases_limit
        new_cases = (
            {inst.children[c].case for c in joining} - set(self.cases[w])
            if cases_limit is not None
            else set()
        )
        if (
            cases_limit is not None
            and new_cases
            and len(self.cases[w]) + len(new_cases) > cases_limit
        ):
            words = f"{wid} holds {len(self.cases[w])} cases, cap {info.cases_cap}"
            yield ("cases_cap", words)
        adding = Counter(inst.children[c].child.category for c in joining)
        for cat, cap in info.category_caps.items():
            held = self.category[w].get(cat, 0)
            if adding[cat] and held + adding[cat] > max(cap, info.category_before.get(cat, 0)):
                yield ("category_cap", f"{wid} holds {held} '{cat}' children, cap {cap}")
        if info.mix_only and set(adding) & set(info.mix_only):
            # Joining may make the caseload mixed, which lowers every mixed category's cap.
            mix_after = {k: self.category[w].get(k, 0) + adding[k] for k in info.mix_only}
            mixed = sum(1 for n in mix_after.values() if n) > 1
            for cat, n in mix_after.items():
                cap = info.mix_mixed[cat] if mixed else info.mix_only[cat]
                if n > max(cap, info.category_before.get(cat, 0)):
                    kind = "mixed" if mixed else f"only '{cat}'"
                    words = (
                        f"{wid} would hold {n} '{cat}' children, cap {cap} for a {kind} caseload"
                    )
                    yield ("mix_cap", words)
        for a in info.approvals:
            if a.may_cross and not crossing_blocks:
                continue
            if a.measure == "children":
                after: float = self.count[w] + k
                before: float = info.children_before
            else:
                after = self._raw[w] + self.added_load(joining, w)
                before = info.load_before
            if after > max(a.limit, before) + TOLERANCE:
                per = after / info.fte_available if info.fte_available > 0 else after
                unit = "children" if a.measure == "children" else "load"
                words = (
                    f"would take {wid} to {per:.1f} {unit} per FTE: above {a.per_fte:g}, "
                    f"{a.approver.replace('_', ' ')} agreement needed"
                )
                yield ("approval", words)
        new = sum(1 for c in joining if inst.children[c].current != w)
        if info.pacing_limit is not None and new and self.arrivals[w] + new > info.pacing_limit:
            words = f"{wid} already takes {self.arrivals[w]} new children this batch"
            yield ("pacing", words)
        for group in inst.oversight:
            if info.team_id not in group.teams or group.limit is None:
                continue
            cases_held = set().union(*(set(self.team_cases[t]) for t in group.teams))
            opened = {
                inst.children[c].case for c in joining if self.assignment[c] is None
            } - cases_held
            before_cases = sum(inst.team_cases_before[t] for t in group.teams)
            if opened and len(cases_held) + len(opened) > max(group.limit, before_cases):
                words = (
                    f"manager {group.manager}'s teams hold {len(cases_held)} cases, "
                    f"the oversight maximum is {group.limit}"
                )
                yield ("oversight", words)

    # -- changing ------------------------------------------------------------------------

    def place(self, c: int, w: int | None) -> None:
        """Give child ``c`` to worker ``w`` (``None``: nobody), from wherever it is."""
        if self.assignment[c] == w:
            return
        if self.assignment[c] is not None:
            self._remove(c)
        if w is not None:
            self._add(c, w)

    def _add(self, c: int, w: int) -> None:
        ch = self.inst.children[c]
        self.assignment[c] = w
        if ch.current != w:
            self.newcomers[w].add(c)
        if not ch.active:
            return
        self.count[w] += 1
        cat = ch.child.category
        self.category[w][cat] = self.category[w].get(cat, 0) + 1
        if ch.current != w:
            self.arrivals[w] += 1
        self.team_cases[ch.child.team_id][ch.case] += 1
        self.cases[w][ch.case] += 1
        weight = ch.weight
        if ch.family is not None:
            held = self._family_on.setdefault((ch.family, w), [])
            if held:
                weight = ch.weight_together
                if len(held) == 1:
                    other = self.inst.children[held[0]]
                    self.weights[other.index] = other.weight_together
                    self._raw[w] -= other.weight - other.weight_together
            held.append(c)
        self.weights[c] = weight
        self._raw[w] += weight

    def _remove(self, c: int) -> None:
        ch = self.inst.children[c]
        w = self.assignment[c]
        assert w is not None
        self.newcomers[w].discard(c)
        if not ch.active:
            self.assignment[c] = None
            return
        self._raw[w] -= self.removed_load(c)
        if ch.family is not None:
            held = self._family_on[ch.family, w]
            held.remove(c)
            if len(held) == 1:
                self.weights[held[0]] = self.inst.children[held[0]].weight
        self.assignment[c] = None
        self.weights[c] = ch.weight
        self.count[w] -= 1
        self.category[w][ch.child.category] -= 1
        if ch.current != w:
            self.arrivals[w] -= 1
        for cases in (self.team_cases[ch.child.team_id], self.cases[w]):
            cases[ch.case] -= 1
            if cases[ch.case] <= 0:
                del cases[ch.case]
