"""The DfE children's social work workforce statistics, one area and year at a time.

``csww_indicators_2017_to_2025.csv`` (Open Government Licence v3.0, shipped
in ``scenarios/data/`` with its attribution) gives, per local authority,
region and England and per year, case-holding FTE, cases, caseload per FTE,
agency, vacancy, turnover and absence rates.
"""

from __future__ import annotations

import csv
import difflib
from pathlib import Path

DFE_CSV = Path(__file__).resolve().parent / "data" / "csww_indicators_2017_to_2025.csv"
"""The DfE workforce CSV shipped inside the package."""

SUPPRESSED = frozenset({"c", "x", "z", "u", "k"})
"""DfE codes for suppressed, not applicable or unavailable values."""


def dfe_profile(la_name: str, year: int, *, path: Path | None = None) -> dict:
    """One area's row of the DfE children's social work workforce statistics.

    ``la_name`` is a local authority (``"Stockton-on-Tees"``), a region
    (``"North East"``) or ``"England"``, in any case; ``year`` the reporting
    year (30 September snapshot). Numbers come back as ``float`` (``int`` for
    ``cases`` and headcounts); suppressed values (``c``, ``x``, ``z``, ``u``,
    ``k``) and empty cells as ``None``.

    Raises
    ------
    FileNotFoundError
        When the CSV is not at ``path`` (default :data:`DFE_CSV`).
    ValueError
        When no row matches, naming close matches or the years available.

    Examples
    --------
    >>> p = dfe_profile("Stockton-on-Tees", 2024)
    >>> p["case_holders_fte"], p["cases"]
    (140.5, 2516)
    >>> from models import load_policy
    >>> from scenarios.example import generate_authority
    >>> data = generate_authority(
    ...     load_policy("default"),
    ...     case_holding_fte=p["case_holders_fte"],
    ...     caseload_per_fte=p["caseload_fte"],
    ... )
    """
    path = DFE_CSV if path is None else Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: DfE workforce statistics CSV not found")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    wanted = la_name.strip().casefold()
    names: set[str] = set()
    years: set[int] = set()
    for row in rows:
        name = row.get("la_name") or row.get("region_name") or row.get("country_name") or ""
        names.add(name)
        if name.casefold() != wanted:
            continue
        years.add(int(row["time_period"]))
        if int(row["time_period"]) == year:
            return _profile(row, name)
    if years:
        raise ValueError(
            f"{path}: no {year} row for {la_name!r}; years: {', '.join(map(str, sorted(years)))}"
        )
    close = difflib.get_close_matches(la_name, sorted(names), n=3)
    hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
    raise ValueError(f"{path}: no area named {la_name!r}{hint}")


def _profile(row: dict[str, str], name: str) -> dict:
    profile: dict = {"la_name": name}
    numeric = False
    for column, raw in row.items():
        value = (raw or "").strip()
        if column == "inpost_fte":
            numeric = True
        if column == "la_name":
            continue
        if not numeric:
            profile[column] = int(value) if column == "time_period" else (value or None)
        elif not value or value.lower() in SUPPRESSED:
            profile[column] = None
        elif column == "cases" or column.endswith("_headcount"):
            profile[column] = int(float(value))
        else:
            profile[column] = float(value)
    return profile
