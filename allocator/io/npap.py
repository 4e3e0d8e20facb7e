"""Read the nurse-to-patient assignment benchmark (NPAP) as caseload data.

The instances (``shared/benchmarks/npap``, from the OscaR project) give, per
zone, the acuity of each patient. Mapped onto the data contract: zone = team
(service ``npap``), nurse = worker (``social_worker``, fte 1), patient =
unallocated child (category ``patient``, explicit ``weight`` = acuity). A nurse
holds 1 to 3 patients and a total acuity of at most 105; the objective is the
sum of squared loads, which is the allocator's own objective when every
capacity is 1.

The files give only the total number of nurses. :func:`staff_zones` splits
them between zones by the rule of Schaus, Van Hentenryck and Régin (CPAIOR
2009), with which the published best-known objectives were obtained.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from pathlib import Path

from models import Child, ManagerSpan, Policy, ProblemData, Role, ServicePolicy, Team, Worker

PATIENTS_PER_NURSE = 3
"""Most patients one nurse may care for."""
ACUITY_PER_NURSE = 105
"""Most total acuity one nurse may carry."""

NPAP_BEST_KNOWN: dict[str, int] = {
    "pathological": 33850,
    "6zones": 222316,
    "bench2/instance0": 81605,
    "bench2/instance1": 70915,
    "bench2/instance2": 58575,
    "bench2/instance3": 83545,
    "bench2/instance4": 84740,
    "bench2/instance5": 78198,
    "bench2/instance6": 77049,
    "bench2/instance7": 82368,
    "bench2/instance8": 68929,
    "bench2/instance9": 61328,
}
"""Best known objective (sum of squared nurse loads) per instance, from the
benchmark's README: the staffing rule of :func:`staff_zones`, every zone solved
to proven optimality. Keyed by the path below the benchmark folder, without
``.txt``."""


def npap_policy() -> Policy:
    """The NPAP rules as a caseload policy: 3 patients and 105 acuity per nurse."""
    return Policy(
        name="npap",
        source="NPAP benchmark (Schaus, Van Hentenryck and Régin, CPAIOR 2009)",
        services={
            "npap": ServicePolicy(
                label="Nurse-to-patient zone",
                max_children_per_fte=PATIENTS_PER_NURSE,
                max_load_per_fte=ACUITY_PER_NURSE,
            )
        },
        span=ManagerSpan(),
        thresholds=(),
    )


def parse_npap(text: str, where: str = "npap") -> tuple[int, list[list[int]]]:
    """Parse NPAP text into the number of nurses and each zone's patient acuities.

    Raises
    ------
    ValueError
        Naming ``where`` and the line when a count is wrong, a value is not a
        positive integer, or lines are missing or left over.
    """
    lines = [
        (number, line.split())
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip()
    ]
    if not lines:
        raise ValueError(f"{where}: empty file, expected a first line 'zones nurses'")

    def integers(number: int, tokens: list[str], what: str) -> list[int]:
        values = []
        for position, token in enumerate(tokens, start=1):
            try:
                value = int(token)
            except ValueError:
                raise ValueError(
                    f"{where}: line {number}: {what} value {position} is {token!r}, not an integer"
                ) from None
            if value <= 0:
                raise ValueError(
                    f"{where}: line {number}: {what} value {position} is {value}, must be > 0"
                )
            values.append(value)
        return values

    number, tokens = lines[0]
    if len(tokens) != 2:
        raise ValueError(
            f"{where}: line {number}: expected 'zones nurses' (2 integers), "
            f"found {len(tokens)} values"
        )
    zones, nurses = integers(number, tokens, "header")
    if len(lines) - 1 != zones:
        last = lines[-1][0]
        raise ValueError(
            f"{where}: line {last}: header (line {number}) announces {zones} zones, "
            f"found {len(lines) - 1} zone lines"
        )
    acuities = []
    for number, tokens in lines[1:]:
        values = integers(number, tokens, "zone")
        patients, zone_acuities = values[0], values[1:]
        if len(zone_acuities) != patients:
            raise ValueError(
                f"{where}: line {number}: zone announces {patients} patients, "
                f"found {len(zone_acuities)} acuities"
            )
        acuities.append(zone_acuities)
    return nurses, acuities


def minimum_nurses(acuities: list[int]) -> int:
    """Fewest nurses a zone needs: enough for 3 patients and 105 acuity each."""
    return max(
        math.ceil(len(acuities) / PATIENTS_PER_NURSE),
        math.ceil(sum(acuities) / ACUITY_PER_NURSE),
    )


def staff_zones(nurses: int, zones: list[list[int]]) -> list[int]:
    """Nurses per zone by the staffing rule of Schaus et al.

    Every zone first gets :func:`minimum_nurses`; each remaining nurse then
    goes to the zone where ``total_acuity**2 / nurses`` drops the most (ties to
    the lower zone index). A zone never gets more nurses than patients, since
    every nurse must care for at least one.

    Raises
    ------
    ValueError
        When ``nurses`` is below the zones' minimum or above the patients.
    """
    staff = [minimum_nurses(zone) for zone in zones]
    if sum(staff) > nurses:
        raise ValueError(f"{nurses} nurses cannot cover the zones: at least {sum(staff)} needed")
    if nurses > sum(len(zone) for zone in zones):
        raise ValueError(
            f"{nurses} nurses for {sum(len(z) for z in zones)} patients: "
            "every nurse needs at least one patient"
        )
    totals = [sum(zone) for zone in zones]
    for _ in range(nurses - sum(staff)):
        best, best_drop = -1, Fraction(-1)
        for z, (total, n) in enumerate(zip(totals, staff, strict=True)):
            if n >= len(zones[z]):
                continue
            # total^2/n - total^2/(n+1) = total^2 / (n (n+1)); exact, so ties are ties.
            drop = Fraction(total * total, n * (n + 1))
            if drop > best_drop:
                best, best_drop = z, drop
        staff[best] += 1
    return staff


def read_npap(path: Path) -> tuple[ProblemData, Policy]:
    """Read one NPAP instance as caseload data and the matching policy.

    Zone ``k`` becomes team ``Zk`` (service ``npap``, no manager), its nurses
    workers ``Zk-N01``... and its patients unallocated children ``Zk-P01``...
    with ``weight`` = acuity. Nurses are split by :func:`staff_zones`.

    Examples
    --------
    >>> root = Path(__file__).resolve().parents[2] / "benchmarks" / "npap"
    >>> data, policy = read_npap(root / "pathological.txt")
    >>> len(data.workers), len(data.children)
    (6, 14)
    """
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot read NPAP file: {exc}") from None
    nurses, zones = parse_npap(text, str(path))
    try:
        staff = staff_zones(nurses, zones)
    except ValueError as exc:
        raise ValueError(f"{path}: line 1: {exc}") from None

    teams: list[Team] = []
    workers: list[Worker] = []
    children: list[Child] = []
    for z, (acuities, n) in enumerate(zip(zones, staff, strict=True), start=1):
        team_id = f"Z{z}"
        teams.append(Team(team_id=team_id, service="npap", name=f"Zone {z}"))
        width = max(2, len(str(n)))
        workers.extend(
            Worker(
                worker_id=f"{team_id}-N{i:0{width}d}",
                team_id=team_id,
                role=Role.SOCIAL_WORKER,
                fte=1,
            )
            for i in range(1, n + 1)
        )
        width = max(2, len(str(len(acuities))))
        children.extend(
            Child(
                child_id=f"{team_id}-P{i:0{width}d}",
                team_id=team_id,
                category="patient",
                weight=float(acuity),
            )
            for i, acuity in enumerate(acuities, start=1)
        )
    data = ProblemData(
        teams=tuple(teams), workers=tuple(workers), children=tuple(children), source=str(path)
    )
    return data, npap_policy()


def _natural_key(name: str) -> list[int | str]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def npap_instances(root: Path) -> list[tuple[str, Path]]:
    """Every ``*.txt`` instance under ``root`` as ``(name, path)``, in a stable order.

    ``name`` is the path below ``root`` without ``.txt`` (``bench2/instance0``),
    the key of :data:`NPAP_BEST_KNOWN`. Files at the top come first, then each
    folder's, in natural order (``instance2`` before ``instance10``).
    """
    root = Path(root)
    found = []
    for path in root.rglob("*.txt"):
        name = path.relative_to(root).with_suffix("").as_posix()
        found.append((name.count("/"), _natural_key(name), name, path))
    found.sort(key=lambda item: item[:2])
    return [(name, path) for _, _, name, path in found]
