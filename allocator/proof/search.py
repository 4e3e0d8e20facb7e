"""Measure vectors a packing could reach, cheapest first: the proof's relaxation.

The problem is a *packing*: every piece (a child to place) goes to one of its
slots (workers) and adds one of its contributions to that slot's measure ``q``;
a slot takes at most ``room`` counted pieces and may add any subset of its own
``extras``. Which vectors ``q`` can a packing reach, and which of them are
cheapest under ``F(q) = sum a q**2``?

:class:`Search` answers that for a relaxation, as a dynamic programme over the
slots in order. For a modulus ``m``, pieces whose one contribution is a
multiple of ``m`` are *coarse*; the rest are *fine*. Fine pieces are tracked
exactly (how many of each kind are used so far); coarse pieces only through the
running total of their contributions, each slot's coarse part being a sum that
slot can make with the coarse pieces open to it within its room. Interchangeable
slots (a ``group``) take non-increasing measures. A vector the relaxation
rejects has no packing; the converse need not hold, so each vector it yields is
then tested exactly.

With no modulus every piece is fine and the search is exact for the packing
itself: that is the packer that refutes most candidate vectors before CP-SAT
sees them.

Shapes: ``q`` in integer model units; costs in ``a * q**2`` model units. The
search stops with :class:`GiveUp` once it has spent its ``budget`` of steps
(states and moves visited), so its effort is bounded and deterministic.
"""

from __future__ import annotations

import math
import operator
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import reduce

INFINITE = float("inf")


class GiveUp(Exception):
    """The search spent its budget of steps without finishing."""


class OutOfTime(Exception):
    """The wall-clock deadline passed (a safety net: the step budget is the limit that
    keeps outcomes the same from run to run)."""


PACKER_KINDS = 200
"""Most kinds of piece the exact packer tracks (each is a level of its recursion)."""
CLOCK_EVERY = 4096
"""Steps between looks at the clock."""


@dataclass(frozen=True)
class Slot:
    """One worker whose measure the stage decides."""

    coef: int
    """``a_w``: the weight of ``q_w**2`` in the objective."""
    lo: int
    """The measure with no piece placed and no extra taken."""
    hi: int
    """Largest measure any rule allows."""
    room: int | None
    """Most counted pieces the slot may take (``None``: no limit)."""
    extras: tuple[int, ...] = ()
    """Amounts the slot's measure may gain whatever the pieces (each taken or not)."""
    group: int | None = None
    """Interchangeable slots share a group and sit side by side."""


@dataclass(frozen=True)
class Piece:
    """One child to place: slot position -> the contributions it may make there."""

    options: tuple[tuple[int, tuple[int, ...]], ...]
    places: int = 1
    """Places of the slot's room it uses (children it stands for; 0: none)."""


@dataclass(frozen=True)
class Problem:
    """Slots in search order (groups contiguous) and the pieces, all of which are placed."""

    slots: tuple[Slot, ...]
    pieces: tuple[Piece, ...]

    def cost(self, q: tuple[int, ...]) -> int:
        return sum(s.coef * x * x for s, x in zip(self.slots, q, strict=True))

    @property
    def measured(self) -> list[int]:
        """Positions of the slots in the objective (``coef > 0``); the others are sinks
        (children waiting, or with workers outside the objective), reported as 0."""
        return [i for i, s in enumerate(self.slots) if s.coef > 0]

    def rooms_bind(self) -> bool:
        """Whether the slots' rooms leave less slack than one slot's room: then how many
        pieces each slot takes is worth tracking."""
        places = sum(p.places for p in self.pieces)
        open_to = [0] * len(self.slots)
        for piece in self.pieces:
            for i, _ in piece.options:
                open_to[i] += piece.places
        rooms = [
            min(s.room, n) if s.room is not None else n
            for s, n in zip(self.slots, open_to, strict=True)
        ]
        return bool(rooms) and sum(rooms) - places < max(rooms)

    def floors(self) -> list[int]:
        """A floor on each slot's measure: when the other slots' room cannot hold every
        counted piece, this one takes at least the rest, and at least its lightest."""
        counted = sum(p.places for p in self.pieces)
        rooms = [s.room for s in self.slots]
        if any(r is None for r in rooms):
            return [s.lo for s in self.slots]
        total_room = sum(r or 0 for r in rooms)
        out = []
        for i, slot in enumerate(self.slots):
            fewest = max(0, counted - (total_room - (slot.room or 0)))
            light = sorted(
                min(vs) // p.places  # per place: a floor whichever pieces fill them
                for p in self.pieces
                if p.places
                for j, vs in p.options
                if j == i
                for _ in range(p.places)
            )
            out.append(slot.lo + sum(light[:fewest]))
        return out

    def least_total(self) -> int:
        """A floor on ``sum q`` over the measured slots: each piece at its smallest
        contribution to a measured slot (0 if it may go to a sink without a room limit),
        less the largest such contributions sinks with room could take instead."""
        sink_room = sum(s.room or 0 for s in self.slots if s.coef == 0)
        total = sum(s.lo for s in self.slots if s.coef > 0)
        movable: list[int] = []
        for piece in self.pieces:
            measured = [v for i, vs in piece.options if self.slots[i].coef > 0 for v in vs]
            smallest = min(measured, default=0)
            sinks = [self.slots[i] for i, _ in piece.options if self.slots[i].coef == 0]
            if any(sink.room is None for sink in sinks):
                smallest = 0
            elif sinks:
                movable.append(smallest)
            total += smallest
        movable.sort(reverse=True)
        return total - sum(movable[:sink_room])


@dataclass(frozen=True)
class _Move:
    take: int
    """Fine pieces taken, packed (see :class:`_Fields`)."""
    q: int
    coarse: int
    """Coarse part, in multiples of the modulus."""
    count: int
    """Coarse pieces making it."""
    cost: int


class _Fields:
    """Counts per fine kind packed into one integer, each field under a guard bit, so
    "take these if they are left" is one subtraction and one mask test."""

    def __init__(self, counts: list[int]) -> None:
        self.offsets: list[int] = []
        offset = 0
        guard = 0
        for n in counts:
            self.offsets.append(offset)
            width = max(1, n.bit_length())
            guard |= 1 << (offset + width)
            offset += width + 1
        self.guard = guard
        self.full = guard | sum(n << o for n, o in zip(counts, self.offsets, strict=True))

    def pack(self, taken: dict[int, int]) -> int:
        return sum(n << self.offsets[k] for k, n in taken.items())


class Search:
    """The relaxation for one modulus and one set of windows (see the module docstring).

    Parameters
    ----------
    problem
        Slots and pieces.
    modulus
        ``m`` in model units; ``None`` tracks every piece exactly (the packer).
    windows
        ``(low, high)`` range of each slot's measure to consider.
    budget
        Steps (states plus moves) the search may take before :class:`GiveUp`.
    counting
        Track how many coarse pieces each slot takes (their total is fixed), which
        matters where rooms bind; by default, when :meth:`Problem.rooms_bind`.
    deadline
        ``time.monotonic()`` instant past which the search raises :class:`OutOfTime`.
    lazy
        Leave the moves to :meth:`prepare` (so a :class:`GiveUp` there leaves the
        steps spent readable).
    """

    def __init__(
        self,
        problem: Problem,
        modulus: int | None,
        windows: list[tuple[int, int]],
        budget: int,
        counting: bool | None = None,
        deadline: float | None = None,
        lazy: bool = False,
    ) -> None:
        self.problem = problem
        self.deadline = deadline
        self.counting = problem.rooms_bind() if counting is None else counting
        self.windows = windows
        self.budget = budget
        self.steps = 0
        m = modulus or 0
        coarse: list[tuple[int, int]] = []  # (piece, size in units of m)
        kinds: dict[tuple, int] = {}
        fine: list[int] = []
        counts: list[int] = []
        for p, piece in enumerate(problem.pieces):
            values = {v for _, vs in piece.options for v in vs}
            if m and piece.places == 1 and len(values) == 1 and next(iter(values)) % m == 0:
                coarse.append((p, next(iter(values)) // m))
                continue
            key = (piece.options, piece.places)
            if key not in kinds:
                kinds[key] = len(counts)
                counts.append(0)
            counts[kinds[key]] += 1
            fine.append(p)
        self.modulus = m or 1
        self.coarse_pieces = len(coarse)
        self.fine_pieces = len(fine)
        self.kinds = [key for key, _ in sorted(kinds.items(), key=lambda kv: kv[1])]
        self.fields = _Fields(counts)
        self.coarse_total = sum(size for _, size in coarse)
        self.coarse_count = len(coarse) if self.counting else 0
        self._coarse_by_slot: list[list[int]] = [[] for _ in problem.slots]
        for p, size in coarse:
            for s, _ in problem.pieces[p].options:
                self._coarse_by_slot[s].append(size)
        if modulus is None and len(counts) > PACKER_KINDS:
            raise GiveUp  # the exact packer would go too deep: leave it to the model
        self._counts = counts
        self._modulus = modulus
        self.moves: list[list[_Move]] = []
        if not lazy:
            self.prepare()

    def prepare(self) -> None:
        """Work out every slot's moves and the bounds the programme prunes with."""
        problem, modulus, counts = self.problem, self._modulus, self._counts
        self.moves = [self._slot_moves(i, counts) for i in range(len(problem.slots))]
        n = len(problem.slots)
        same_group = [
            i > 0 and s.group is not None and problem.slots[i - 1].group == s.group
            for i, s in enumerate(problem.slots)
        ]
        if modulus is None:
            # The packer's measures are fixed, so the order is free: fewest choices first
            # fails soonest. (Its vectors are never read back.)
            self.moves.sort(key=len)
            same_group = [False] * n
        self._low = [0] * (n + 1)
        self._high = [0] * (n + 1)
        self._fewest = [0] * (n + 1)
        self._most = [0] * (n + 1)
        for i in range(n - 1, -1, -1):
            parts = [mv.coarse for mv in self.moves[i]] or [0]
            counted = [mv.count for mv in self.moves[i]] or [0]
            self._low[i] = self._low[i + 1] + min(parts)
            self._high[i] = self._high[i + 1] + max(parts)
            self._fewest[i] = self._fewest[i + 1] + min(counted)
            self._most[i] = self._most[i + 1] + max(counted)
        self._memo: list[dict[tuple[int, int, int, int], float]] = [{} for _ in range(n + 1)]
        self._same_group = same_group

    # -- moves ------------------------------------------------------------------------------

    def _spend(self, steps: int = 1) -> None:
        self.steps += steps
        if self.steps > self.budget:
            raise GiveUp
        if (
            self.deadline is not None
            and self.steps % CLOCK_EVERY < steps
            and time.monotonic() > self.deadline
        ):
            raise OutOfTime

    def _slot_moves(self, i: int, counts: list[int]) -> list[_Move]:
        """Every ``(fine pieces taken, q, coarse part)`` slot ``i`` can end with, inside its
        window, cheapest first."""
        slot = self.problem.slots[i]
        low, high = self.windows[i]
        if low > high:
            return []
        sink = slot.coef == 0
        m = self.modulus
        room = slot.room if slot.room is not None else len(self.problem.pieces)
        reach = _reach(self._coarse_by_slot[i], room)
        extras = _subset_sums(slot.extras)
        kinds = [
            (k, dict(self.kinds[k][0])[i], self.kinds[k][1])
            for k in range(len(self.kinds))
            if i in dict(self.kinds[k][0])
        ]
        moves: dict[tuple[int, int, int, int], _Move] = {}
        need = low - slot.lo - sum(slot.extras)
        coarse = [size * m for size in self._coarse_by_slot[i]]
        for taken, sums, used in self._takes(kinds, counts, room, high - slot.lo, need, coarse):
            code = self.fields.pack(taken)
            top = min(room - used, len(reach) - 1)
            for n in range(top + 1) if self.counting else [top]:
                exact = reach[n] if self.counting else reduce(operator.or_, reach[: top + 1])
                for f in sums:
                    for e in extras:
                        base = slot.lo + f + e
                        if base > high:
                            continue
                        first = max(0, -(-(low - base) // m))
                        last = (high - base) // m
                        if first > last:
                            continue
                        bits = (exact >> first) & ((1 << (last - first + 1)) - 1)
                        while bits:
                            lowest = bits & -bits
                            r = first + lowest.bit_length() - 1
                            bits ^= lowest
                            q = 0 if sink else base + r * m
                            key = (code, q, r, n)
                            if key not in moves:
                                self._spend()
                                counted = n if self.counting else 0
                                moves[key] = _Move(code, q, r, counted, slot.coef * q * q)
        return sorted(moves.values(), key=lambda mv: (mv.cost, mv.q, mv.coarse, mv.count, mv.take))

    def _takes(
        self,
        kinds: list[tuple[int, tuple[int, ...], int]],
        counts: list[int],
        room: int,
        spare: int,
        need: int,
        coarse: list[int],
    ) -> Iterator[tuple[dict[int, int], set[int], int]]:
        """Each multiset of fine pieces a slot could take (``kind -> how many``), the sums
        their contributions can make, and the room they use. Pruned above by ``spare``
        (the most the measure may gain) and below by ``need`` (the least it must gain),
        counting on ``coarse`` (the coarse sizes open to the slot, model units) for the
        rest."""
        uncounted = any(not places for _, _, places in kinds)
        # most[j][r]: the most r more pieces can add from kinds j.. and the coarse ones
        most: list[list[int]] = []
        for j in range(len(kinds) + 1):
            values = sorted(
                [max(kinds[t][1]) for t in range(j, len(kinds)) for _ in range(counts[kinds[t][0]])]
                + coarse,
                reverse=True,
            )
            sums = [0]
            for value in values[:room]:
                sums.append(sums[-1] + value)
            most.append(sums)

        def reach(start: int, sums: set[int], used: int) -> bool:
            """Whether kinds ``start..`` and the coarse pieces can still lift the sum to
            ``need``."""
            if uncounted:
                return True
            top = most[start]
            return max(sums) + top[min(room - used, len(top) - 1)] >= need

        def walk(
            start: int, taken: dict[int, int], sums: set[int], used: int
        ) -> Iterator[tuple[dict[int, int], set[int], int]]:
            # Each multiset once: choose how many of a kind after the last kind chosen.
            self._spend()
            yield dict(taken), sums, used
            for j in range(start, len(kinds)):
                if not reach(j, sums, used):
                    break
                k, values, places = kinds[j]
                new = sums
                for n in range(1, counts[k] + 1):
                    if used + n * places > room:
                        break
                    new = {a + b for a in new for b in values if a + b <= spare}
                    if not new:
                        break
                    taken[k] = n
                    yield from walk(j + 1, taken, new, used + n * places)
                taken.pop(k, None)

        if reach(0, {0}, 0):
            yield from walk(0, {}, {0}, 0)

    # -- the dynamic programme ---------------------------------------------------------------

    def _rest(self, i: int, coarse: int, count: int, left: int, prev: int) -> float:
        """Least cost of slots ``i..`` given the coarse total and count so far and the fine
        pieces left."""
        if i == len(self.moves):
            done = coarse == self.coarse_total and count == self.coarse_count
            return 0 if done and left == self.fields.guard else INFINITE
        need = self.coarse_total - coarse
        if need < self._low[i] or need > self._high[i]:
            return INFINITE
        pieces = self.coarse_count - count
        if pieces < self._fewest[i] or pieces > self._most[i]:
            return INFINITE
        key = (coarse, count, left, prev if self._same_group[i] else 0)
        memo = self._memo[i]
        if key in memo:
            return memo[key]
        self._spend()
        best = INFINITE
        guard = self.fields.guard
        same = self._same_group[i]
        for mv in self.moves[i]:
            if mv.cost >= best:
                break  # moves are cheapest first
            if same and mv.q > prev:
                continue
            after = left - mv.take
            if after & guard != guard:
                continue
            self._spend()
            total = mv.cost + self._rest(i + 1, coarse + mv.coarse, count + mv.count, after, mv.q)
            best = min(best, total)
        memo[key] = best
        return best

    def cheapest(self) -> float:
        """Least ``F(q)`` over vectors the relaxation accepts (``inf``: none)."""
        return self._rest(0, 0, 0, self.fields.full, 0)

    def below(self, theta: float) -> list[tuple[int, tuple[int, ...]]]:
        """Every vector the relaxation accepts with ``F(q) <= theta``, cheapest first, as
        ``(F, q)`` (each vector once)."""
        found: dict[tuple[int, ...], int] = {}
        path: list[int] = []
        guard = self.fields.guard

        def walk(i: int, coarse: int, count: int, left: int, prev: int, spent: int) -> None:
            if i == len(self.moves):
                q = tuple(path)
                found.setdefault(q, spent)
                return
            same = self._same_group[i]
            for mv in self.moves[i]:
                if spent + mv.cost > theta:
                    break
                if same and mv.q > prev:
                    continue
                after = left - mv.take
                if after & guard != guard:
                    continue
                rest = self._rest(i + 1, coarse + mv.coarse, count + mv.count, after, mv.q)
                if spent + mv.cost + rest > theta:
                    continue
                self._spend()
                path.append(mv.q)
                walk(i + 1, coarse + mv.coarse, count + mv.count, after, mv.q, spent + mv.cost)
                path.pop()

        if self.cheapest() <= theta:
            walk(0, 0, 0, self.fields.full, 0, 0)
        return sorted(((f, q) for q, f in found.items()), key=lambda fq: fq)

    def packs(self) -> bool:
        """Whether some vector inside the windows is accepted (with exact windows and no
        modulus: whether the packing exists)."""
        return self.cheapest() < INFINITE


def _multiples(values: tuple[int, ...], n: int) -> set[int]:
    """Sums of ``n`` picks from ``values`` (with repetition)."""
    sums = {0}
    for _ in range(n):
        sums = {a + v for a in sums for v in values}
    return sums


def _subset_sums(values: tuple[int, ...]) -> list[int]:
    sums = {0}
    for v in values:
        sums |= {a + v for a in sums}
    return sorted(sums)


def _reach(sizes: list[int], room: int) -> list[int]:
    """``reach[k]``: bitset of sums of exactly ``k`` of ``sizes`` (bit ``r`` set when ``r``
    can be made), for ``k = 0 .. min(room, len(sizes))``."""
    top = min(room, len(sizes))
    exact = [1] + [0] * top
    for size in sizes:
        for k in range(top, 0, -1):
            exact[k] |= exact[k - 1] << size
    return exact


def coarse_moduli(problem: Problem) -> list[int]:
    """Moduli worth trying, largest first: the gcd of the most common contributions,
    then of more and more of them (each leaves fewer fine pieces)."""
    tally: dict[int, int] = {}
    for piece in problem.pieces:
        values = {v for _, vs in piece.options for v in vs}
        if len(values) == 1 and piece.places == 1:
            v = next(iter(values))
            tally[v] = tally.get(v, 0) + 1
    common = [v for v, _ in sorted(tally.items(), key=lambda kv: (-kv[1], kv[0])) if v]
    out: list[int] = []
    g = 0
    for v in common:
        g = math.gcd(g, v)
        if g and g not in out:
            out.append(g)
    everything = reduce(math.gcd, [v for _, vs in _all_options(problem) for v in vs], 0)
    if everything and everything not in out:
        out.append(everything)
    return sorted(set(out), reverse=True) or [1]


def _all_options(problem: Problem) -> Iterator[tuple[int, tuple[int, ...]]]:
    for piece in problem.pieces:
        yield from piece.options
