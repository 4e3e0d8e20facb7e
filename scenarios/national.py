"""The national view: one authority against its region and England, and how many
case-holding social workers England's authorities need at a caseload target.

Every figure comes from the DfE children's social work workforce statistics
shipped with the package (:data:`scenarios.DFE_CSV`, Open Government Licence
v3.0). Totals are sums of the published authority rows, never estimates:
authorities whose figures are suppressed are listed, and the difference
between the DfE England row and the sum of the published rows is shown as
theirs.
"""

from __future__ import annotations

import csv
import difflib
import math
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from models import Options, Policy, ProblemData
from scenarios.dfe import DFE_CSV, _profile
from scenarios.example import DEFAULT_NEW_REFERRALS, STOCKTON_2024_CASE_HOLDING_FTE
from scenarios.tasks import run_tasks

BENCHMARK_MEASURES = {
    "caseload_fte": "Caseload per case-holding FTE",
    "agency_rate_fte": "Agency worker rate (%)",
    "vacancy_rate_fte": "Vacancy rate (%)",
    "turnover_rate_fte": "Turnover rate (%)",
}
"""The DfE columns ``caseload benchmark-la`` compares, and their labels."""

NINE_REGIONS = (
    "North East",
    "North West",
    "Yorkshire and The Humber",
    "East Midlands",
    "West Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
)
"""England's nine regions; the DfE file splits London into Inner and Outer London."""


class NationalError(ValueError):
    """An unknown authority or region, or a bad option; the message suggests close names."""


def _region9(region: str) -> str:
    return "London" if region in ("Inner London", "Outer London") else region


@cache
def _rows(path: str) -> tuple[dict[str, Any], ...]:
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"{file}: DfE workforce statistics CSV not found")
    with file.open(newline="", encoding="utf-8-sig") as handle:
        out = []
        for row in csv.DictReader(handle):
            name = row.get("la_name") or row.get("region_name") or row.get("country_name") or ""
            profile = _parse(row, name)
            profile["new_la_code"] = row.get("new_la_code") or None
            profile["old_la_code"] = row.get("old_la_code") or None
            out.append(profile)
    return tuple(out)


def _parse(row: dict[str, str], name: str) -> dict[str, Any]:
    """A row as :func:`scenarios.dfe_profile` reads it, any text code (``c``, ``x``,
    ``low``...) in a numeric column read as missing."""
    cleaned = dict(row)
    numeric = False
    for column, raw in row.items():
        numeric = numeric or column == "inpost_fte"
        if numeric:
            try:
                float((raw or "").strip())
            except ValueError:
                cleaned[column] = ""
    return _profile(cleaned, name)


def dfe_rows(path: Path | None = None) -> tuple[dict[str, Any], ...]:
    """Every row of the DfE file as :func:`scenarios.dfe_profile` reads one (cached)."""
    return _rows(str(DFE_CSV if path is None else path))


def latest_year(path: Path | None = None) -> int:
    """The latest reporting year in the file."""
    return max(int(r["time_period"]) for r in dfe_rows(path))


def find_authority(name_or_code: str, path: Path | None = None) -> dict[str, Any]:
    """The latest row of the local authority named (any case) or coded (``E06000004`` or
    the old code ``808``).

    Raises
    ------
    NationalError
        No authority has that name or code; the message names the closest.

    Examples
    --------
    >>> find_authority("stockton-on-tees")["la_name"]
    'Stockton-on-Tees'
    >>> find_authority("Stokton")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    scenarios.national.NationalError: no local authority named 'Stokton'; did you mean ...
    """
    wanted = name_or_code.strip().casefold()
    authorities = [r for r in dfe_rows(path) if r["geographic_level"] == "Local authority"]
    found = [
        r
        for r in authorities
        if wanted
        in (
            r["la_name"].casefold(),
            (r["new_la_code"] or "").casefold(),
            (r["old_la_code"] or "").casefold(),
        )
    ]
    if not found:
        close = closest(wanted, sorted({r["la_name"] for r in authorities}))
        hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
        raise NationalError(f"no local authority named {name_or_code.strip()!r}{hint}")
    return max(found, key=lambda r: r["time_period"])


def closest(query: str, names: Sequence[str], n: int = 3) -> list[str]:
    """The names closest to ``query``, ignoring case, comparing it with each whole name and
    with the name's start of the same length (so ``Stokton`` finds ``Stockton-on-Tees``).

    Examples
    --------
    >>> closest("stokton", ["Stockport", "Stockton-on-Tees", "Sutton"])[0]
    'Stockton-on-Tees'
    """
    q = query.strip().casefold()

    def score(name: str) -> float:
        folded = name.casefold()
        return max(
            difflib.SequenceMatcher(None, q, folded).ratio(),
            difflib.SequenceMatcher(None, q, folded[: len(q) + 1]).ratio(),
        )

    ranked = sorted(names, key=lambda name: (-score(name), name))
    return [name for name in ranked[:n] if score(name) >= 0.6]


@dataclass(frozen=True)
class Benchmark:
    """One authority against its region and England, year by year.

    ``years`` rows: ``{"year", "<measure>": {"authority", "region", "england"}}`` for
    each of :data:`BENCHMARK_MEASURES`; ``ranks``: per measure, the authority's place
    (1 = lowest value) among the authorities of its region and of England with a
    published value in the latest year, and how many there are.
    """

    authority: str
    code: str
    region: str
    years: tuple[dict[str, Any], ...]
    ranks: dict[str, dict[str, tuple[int, int] | None]]


def benchmark_authority(name_or_code: str, path: Path | None = None) -> Benchmark:
    """The authority's caseload per FTE, agency, vacancy and turnover rates since 2017,
    against its region and England, and its place in the latest year.

    Examples
    --------
    >>> b = benchmark_authority("E06000004")
    >>> b.authority, b.region, b.years[-1]["caseload_fte"]
    ('Stockton-on-Tees', 'North East', {'authority': 17.2, 'region': 16.5, 'england': 15.2})
    """
    found = find_authority(name_or_code, path)
    name, region = found["la_name"], found["region_name"]
    rows = dfe_rows(path)
    by_year: dict[int, dict[str, Any]] = {}
    for r in rows:
        year = int(r["time_period"])
        level = r["geographic_level"]
        key = None
        if level == "Local authority" and r["la_name"] == name:
            key = "authority"
        elif level == "Regional" and r["region_name"] == region:
            key = "region"
        elif level == "National":
            key = "england"
        if key is None:
            continue
        entry = by_year.setdefault(year, {"year": year})
        for measure in BENCHMARK_MEASURES:
            entry.setdefault(measure, {"authority": None, "region": None, "england": None})
            entry[measure][key] = r.get(measure)
    years = tuple(by_year[y] for y in sorted(by_year))
    latest = max(by_year)
    peers = [
        r
        for r in rows
        if r["geographic_level"] == "Local authority" and int(r["time_period"]) == latest
    ]
    ranks: dict[str, dict[str, tuple[int, int] | None]] = {}
    for measure in BENCHMARK_MEASURES:
        own = by_year[latest][measure]["authority"]
        ranks[measure] = {}
        for scope, group in (
            ("region", [r for r in peers if r["region_name"] == region]),
            ("england", peers),
        ):
            values = [r[measure] for r in group if r.get(measure) is not None]
            ranks[measure][scope] = (
                None if own is None else (1 + sum(v < own for v in values), len(values))
            )
    return Benchmark(name, found["new_la_code"] or "", region, years, ranks)


def dfe_authority(
    name_or_code: str,
    policy: Policy,
    *,
    seed: int = 0,
    as_of: date = date(2026, 11, 23),
    path: Path | None = None,
) -> tuple[ProblemData, dict[str, Any]]:
    """A DfE-shaped authority at the published size of ``name_or_code`` (latest year), as
    ``caseload example`` generates one: its case-holding FTE and its cases, of which new
    referrals waiting for a worker in proportion to the example's (250 for 140.5 FTE).

    Returns the data and the DfE row it was generated from.

    Raises
    ------
    NationalError
        Unknown authority (close names suggested), or its FTE or cases are suppressed.
    """
    from scenarios.example import generate_authority

    row = find_authority(name_or_code, path)
    fte, cases = row.get("case_holders_fte"), row.get("cases")
    if not fte or cases is None:
        raise NationalError(
            f"{row['la_name']}: the DfE figures for {row['time_period']} are suppressed "
            "(case-holding FTE or cases): no authority can be generated from them"
        )
    new = referrals_for(fte, cases)
    data = generate_authority(
        policy,
        seed=seed,
        case_holding_fte=fte,
        caseload_per_fte=(cases - new) / fte,
        new_referrals=new,
        as_of=as_of,
    )
    return data, row


def referrals_for(fte: float, cases: int) -> int:
    """New referrals of a generated authority: the example's 250 per 140.5 FTE, at most its
    cases."""
    return min(cases, round(DEFAULT_NEW_REFERRALS * fte / STOCKTON_2024_CASE_HOLDING_FTE))


@dataclass(frozen=True)
class NationalTask:
    """One authority of the sweep (picklable): its published row and how to staff it."""

    row: dict[str, Any]
    policy: Policy
    target_per_fte: float
    options: Options


NATIONAL_COLUMNS = (
    "la_code",
    "la_name",
    "region",
    "published_case_holders_fte",
    "published_cases",
    "published_caseload_fte",
    "fte_now",
    "fte_needed",
    "difference",
    "children_waiting",
    "proven",
)
"""``national.csv``: per authority its published figures, the generated authority's
case-holding FTE now, the FTE the target needs (``plan-staffing --target-per-fte``) and
the difference."""


def staff_authority(task: NationalTask) -> dict[str, Any]:
    """Generate the authority at its published size and staff it at the target.

    ``fte_now`` is the generated authority's case-holding FTE (the published FTE in
    posts of 0.1 or more); ``fte_needed`` the least FTE per team with no child
    waiting and nobody above the target per FTE; ``difference`` their difference.
    """
    from scenarios.example import generate_authority
    from scenarios.staffing import plan_staffing
    from scenarios.workforce import case_holding_fte

    row = task.row
    fte, cases = row["case_holders_fte"], row["cases"]
    new = referrals_for(fte, cases)
    data = generate_authority(
        task.policy,
        seed=task.options.seed,
        case_holding_fte=fte,
        caseload_per_fte=(cases - new) / fte,
        new_referrals=new,
        as_of=task.options.as_of,
    )
    result = plan_staffing(data, task.policy, task.options, target_per_fte=task.target_per_fte)
    now = case_holding_fte(data)
    return {
        **_published(row),
        "fte_now": now,
        "fte_needed": result.fte_proposed,
        "difference": round(result.fte_proposed - now, 4),
        "children_waiting": result.proposal.children_unallocated,
        "proven": result.proven,
    }


def _published(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "la_code": row["new_la_code"],
        "la_name": row["la_name"],
        "region": _region9(row["region_name"]),
        "published_case_holders_fte": row.get("case_holders_fte"),
        "published_cases": row.get("cases"),
        "published_caseload_fte": row.get("caseload_fte"),
    }


@dataclass(frozen=True)
class NationalResult:
    """The sweep: a row per authority staffed, the suppressed authorities, the totals."""

    year: int
    target_per_fte: float
    rows: tuple[dict[str, Any], ...]
    suppressed: tuple[dict[str, Any], ...]
    totals: tuple[dict[str, Any], ...]
    narrowed: bool


def find_region(region: str, path: Path | None = None) -> str:
    """The region ``region`` names, as the DfE file spells it: one of the nine English
    regions, or Inner or Outer London; any case.

    Raises
    ------
    NationalError
        No such region: the close names, or else every region, in the message.

    Examples
    --------
    >>> find_region("north east")
    'North East'
    """
    known = sorted({*NINE_REGIONS, *(r["region_name"] for r in dfe_rows(path) if r["region_name"])})
    by_case = {k.casefold(): k for k in known}
    wanted = by_case.get(region.strip().casefold())
    if wanted is None:
        close = closest(region, known)
        hint = (
            f"; did you mean {', '.join(map(repr, close))}?"
            if close
            else f"; the regions: {', '.join(known)}"
        )
        raise NationalError(f"--region {region!r}: no such region{hint}")
    return wanted


def select_authorities(
    year: int, region: str | None = None, limit: int | None = None, path: Path | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The year's authorities with published FTE and cases (in the file's order), narrowed
    to ``region`` (one of the nine, or Inner/Outer London) and the first ``limit``; and
    those whose figures are suppressed.

    Raises
    ------
    NationalError
        An unknown region (close names suggested) or a limit below 1.
    """
    authorities = [
        r
        for r in dfe_rows(path)
        if r["geographic_level"] == "Local authority" and int(r["time_period"]) == year
    ]
    if region is not None:
        wanted = find_region(region, path)
        authorities = [
            r for r in authorities if wanted in (r["region_name"], _region9(r["region_name"]))
        ]
    if limit is not None and limit < 1:
        raise NationalError(f"--limit {limit}: must be 1 or more")
    published = [r for r in authorities if r.get("case_holders_fte") and r.get("cases")]
    suppressed = [r for r in authorities if not (r.get("case_holders_fte") and r.get("cases"))]
    if limit is not None:
        published = published[:limit]
    return published, suppressed


def national_totals(
    rows: Sequence[dict[str, Any]],
    suppressed: Sequence[dict[str, Any]],
    england: dict[str, Any] | None,
) -> list[dict[str, Any]]:
    """Totals per region (of the nine) present in ``rows`` and for England: sums of the
    authority rows. With ``england`` (the DfE England row; only for a whole sweep), a row
    ``suppressed authorities`` holds its published FTE and cases minus the sums of the
    published rows, shown as the suppressed authorities' (their need is not guessed), and
    a row ``England (DfE)`` the England row itself."""
    sums = ("published_case_holders_fte", "published_cases", "fte_now", "fte_needed")
    out = []

    def total(name: str, group: Sequence[dict[str, Any]]) -> dict[str, Any]:
        t: dict[str, Any] = {"la_code": "", "la_name": name, "region": name}
        for column in sums:
            t[column] = round(sum(r[column] or 0 for r in group), 4)
        t["published_caseload_fte"] = (
            round(t["published_cases"] / t["published_case_holders_fte"], 1)
            if t["published_case_holders_fte"]
            else None
        )
        t["difference"] = round(t["fte_needed"] - t["fte_now"], 4)
        t["children_waiting"] = sum(r["children_waiting"] for r in group)
        t["proven"] = all(r["proven"] for r in group)
        return t

    for region in NINE_REGIONS:
        group = [r for r in rows if r["region"] == region]
        if group:
            out.append(total(region, group))
    england_total = total(
        "England (sum of authorities)" if england is not None else "all authorities staffed",
        rows,
    )
    out.append(england_total)
    if england is not None:
        names = ", ".join(r["la_name"] for r in suppressed) or "none"
        remainder: dict[str, Any] = {
            "la_code": "",
            "la_name": f"suppressed authorities ({names})",
            "region": "England",
            "published_case_holders_fte": round(
                (england["case_holders_fte"] or 0) - england_total["published_case_holders_fte"],
                4,
            ),
            "published_cases": (england["cases"] or 0) - england_total["published_cases"],
            "published_caseload_fte": None,
            "fte_now": None,
            "fte_needed": None,
            "difference": None,
            "children_waiting": None,
            "proven": None,
        }
        out.append(remainder)
        out.append(
            {
                **{c: None for c in NATIONAL_COLUMNS},
                "la_code": "E92000001",
                "la_name": "England (DfE)",
                "region": "England",
                "published_case_holders_fte": england["case_holders_fte"],
                "published_cases": england["cases"],
                "published_caseload_fte": england["caseload_fte"],
            }
        )
    return out


def run_national(
    policy: Policy,
    target_per_fte: float,
    options: Options,
    *,
    region: str | None = None,
    limit: int | None = None,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
    path: Path | None = None,
) -> NationalResult:
    """Staff every authority of the latest year at ``target_per_fte`` (narrowed by
    ``region`` and ``limit``), each an independent task (through ``executor`` when given:
    identical results), with regional and England totals.

    Raises
    ------
    NationalError
        A target at or below 0, an unknown region, a limit below 1.
    """
    if not 0 < target_per_fte < math.inf:
        raise NationalError(f"--target-per-fte {target_per_fte:g}: must be a finite number above 0")
    year = latest_year(path)
    published, suppressed = select_authorities(year, region, limit, path)
    tasks = [NationalTask(r, policy, target_per_fte, options) for r in published]
    rows = run_tasks(
        staff_authority,
        tasks,
        executor,
        progress,
        cost=lambda t: float(t.row["case_holders_fte"]),
    )
    narrowed = region is not None or limit is not None
    england = None
    if not narrowed:
        england = next(
            r
            for r in dfe_rows(path)
            if r["geographic_level"] == "National" and int(r["time_period"]) == year
        )
    totals = national_totals(rows, suppressed, england)
    return NationalResult(
        year,
        target_per_fte,
        tuple(rows),
        tuple(_published(r) for r in suppressed),
        tuple(totals),
        narrowed,
    )
