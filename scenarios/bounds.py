"""Lower bounds on what one team can achieve at a staffing level, without solving.

The staffing model (:mod:`scenarios.staffing`) evaluates a team at a number of
posts with the engine only where these bounds cannot rule the level out. A
bound is the lexicographic triple ``(children waiting, sibling groups split,
balance objective)`` that no allocation of the team's data can beat:

- children waiting: at least the waiting children beyond every accepting
  worker's spare room under the count cap;
- balance: the continuous water-filling bound on ``sum load**2 / capacity``
  (each worker at least the load it keeps; the placed load shared so that
  every loaded worker has the same load per capacity), with the heaviest
  children taken out for those that must wait.
"""

from __future__ import annotations

from datetime import date

from models import Policy, ProblemData
from scenarios import workforce

Cost = tuple[int, int, float]
"""``(children waiting, sibling groups split, balance objective)``, compared in that order."""


def water_filling(floors: list[float], capacities: list[float], extra: float) -> float:
    """Least ``sum L_i**2 / c_i`` with ``L_i >= floors[i]`` and ``sum L_i = sum floors + extra``.

    The optimum is ``L_i = max(floor_i, level * c_i)`` for one ``level``.

    Examples
    --------
    >>> water_filling([0, 0], [1, 1], 10)  # 5**2 + 5**2
    50.0
    >>> water_filling([8, 0], [1, 1], 4)  # 8 keeps its load, the other takes 4
    80.0
    """
    if not floors:
        return 0.0
    order = sorted(range(len(floors)), key=lambda i: floors[i] / capacities[i])
    total = sum(floors) + extra
    level_cap = 0.0
    rest = sum(floors)
    level = 0.0
    for j, i in enumerate(order):
        level_cap += capacities[i]
        rest -= floors[i]
        level = (total - rest) / level_cap
        nxt = order[j + 1] if j + 1 < len(order) else None
        if nxt is None or level <= floors[nxt] / capacities[nxt]:
            break
    return sum(max(floors[i], level * capacities[i]) ** 2 / capacities[i] for i in order)


def team_bound(
    data: ProblemData, policy: Policy, as_of: date, release: tuple[str, ...] = ()
) -> Cost:
    """A lower bound on the engine's ``(waiting, splits, balance)`` for ``data`` (one team,
    or teams sharing no worker), in the order the engine minimises them."""
    rooms = workforce.rooms(data, policy, as_of)
    released = set(release)
    weighting = policy.weighting
    least: dict[str, float] = {}
    for c in data.children:
        weight = weighting.weight_of(c)
        least[c.child_id] = weighting.together(weight) if c.family_id is not None else weight
    movable = [c for c in data.children if c.worker_id is None or c.worker_id in released]
    floors: dict[str, float] = {}
    held: dict[str, int] = {}
    for c in data.children:
        if c.worker_id is not None and c.worker_id not in released:
            floors[c.worker_id] = floors.get(c.worker_id, 0.0) + least[c.child_id]
            held[c.worker_id] = held.get(c.worker_id, 0) + 1
    pool_floors, pool_caps = [], []
    fixed = 0.0
    spare = 0
    for wid, room in rooms.items():
        if room.capacity <= 0:
            continue
        floor = floors.get(wid, 0.0)
        open_to_new = room.worker.accepting and wid not in released
        if open_to_new:
            spare += workforce.NO_CAP if room.cap is None else max(0, room.cap - held.get(wid, 0))
            pool_floors.append(floor)
            pool_caps.append(room.capacity)
        else:
            fixed += floor * floor / room.capacity
    waiting = max(0, len(movable) - spare)
    weights = sorted((least[c.child_id] for c in movable), reverse=True)
    placed = sum(weights[waiting:])
    if not pool_caps:
        return (len(movable), 0, fixed)
    return (waiting, 0, fixed + water_filling(pool_floors, pool_caps, placed))
