"""Planning for service planners, on top of the engine's public API.

Today: synthetic example authorities shaped by the DfE workforce statistics
(``caseload example`` and ``caseload demo`` use them). Plans, staffing,
forecasts and the national view come next (see the issues).
"""

from scenarios.dfe import DFE_CSV, dfe_profile
from scenarios.example import (
    DEFAULT_NEW_REFERRALS,
    STOCKTON_2024_CASE_HOLDING_FTE,
    generate_authority,
    service_kind,
)

__all__ = [
    "DEFAULT_NEW_REFERRALS",
    "DFE_CSV",
    "STOCKTON_2024_CASE_HOLDING_FTE",
    "dfe_profile",
    "generate_authority",
    "service_kind",
]
