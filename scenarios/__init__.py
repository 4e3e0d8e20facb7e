"""Planning for service planners, on top of the engine's public API.

- Plans (``caseload scenario run``): a base, a policy and named variants of
  changes, each evaluated by the engine and compared (:func:`prepare_plan`,
  :func:`run_plan`, :func:`write_plan`; the format in ``docs/planner.md``).
- Staffing (``caseload plan-staffing``): the FTE each team needs, decided
  jointly with the allocation (:func:`plan_staffing`).
- Teams (``caseload plan-teams``): case-holding workers under team managers
  (:func:`plan_teams`).
- Forecasts (``caseload forecast``): weekly referrals, closures and allocations
  over many seeded runs, as bands (:func:`run_forecast`, :func:`write_forecast`).
- The national view (``caseload benchmark-la``, ``caseload national``): an
  authority against its region and England, and the FTE England's authorities
  need at a caseload target, from the DfE workforce statistics
  (:func:`benchmark_authority`, :func:`run_national`).
- Synthetic example authorities shaped by the DfE workforce statistics
  (:func:`generate_authority`, ``caseload example`` and ``caseload demo``).
"""

from scenarios.compare import COLUMNS as COMPARISON_COLUMNS
from scenarios.compare import differences
from scenarios.dfe import DFE_CSV, dfe_profile
from scenarios.example import (
    DEFAULT_NEW_REFERRALS,
    STOCKTON_2024_CASE_HOLDING_FTE,
    generate_authority,
    service_kind,
)
from scenarios.folder import FolderError
from scenarios.forecast import (
    MEASURES as FORECAST_MEASURES,
)
from scenarios.forecast import (
    MODES as FORECAST_MODES,
)
from scenarios.forecast import (
    ForecastError,
    ForecastResult,
    ForecastSettings,
    ForecastTask,
    PlanChange,
    Rate,
    estimate_rates,
    forecast_run,
    forecast_tasks,
    plan_change,
    read_rates,
    run_forecast,
)
from scenarios.forecast_output import BAND_COLUMNS as FORECAST_BAND_COLUMNS
from scenarios.forecast_output import FORECAST_FILES, write_forecast
from scenarios.forecast_output import RATE_OUTPUT_COLUMNS as FORECAST_RATE_COLUMNS
from scenarios.national import (
    BENCHMARK_MEASURES,
    Benchmark,
    NationalError,
    NationalResult,
    benchmark_authority,
    dfe_authority,
    find_authority,
    find_region,
    run_national,
)
from scenarios.national_output import (
    BENCHMARK_FILES,
    NATIONAL_FILES,
    write_benchmark,
    write_national,
)
from scenarios.plan import CHANGE_KINDS, Plan, PlanError, read_plan
from scenarios.run import (
    EXAMPLE_PLANS,
    PlanRun,
    PreparedPlan,
    RunSettings,
    prepare_plan,
    run_plan,
    write_example,
    write_plan,
)
from scenarios.staffing import StaffingError, StaffingResult, check_granularity, plan_staffing
from scenarios.tasks import VariantOutcome, VariantTask, evaluate_variant, run_tasks
from scenarios.teams import TeamsError, TeamsResult, plan_teams
from scenarios.writers import check_output_folder, write_staffing, write_teams

__all__ = [
    "BENCHMARK_FILES",
    "BENCHMARK_MEASURES",
    "CHANGE_KINDS",
    "COMPARISON_COLUMNS",
    "DEFAULT_NEW_REFERRALS",
    "DFE_CSV",
    "EXAMPLE_PLANS",
    "FORECAST_BAND_COLUMNS",
    "FORECAST_FILES",
    "FORECAST_MEASURES",
    "FORECAST_MODES",
    "FORECAST_RATE_COLUMNS",
    "NATIONAL_FILES",
    "STOCKTON_2024_CASE_HOLDING_FTE",
    "Benchmark",
    "FolderError",
    "ForecastError",
    "ForecastResult",
    "ForecastSettings",
    "ForecastTask",
    "NationalError",
    "NationalResult",
    "Plan",
    "PlanChange",
    "PlanError",
    "PlanRun",
    "PreparedPlan",
    "Rate",
    "RunSettings",
    "StaffingError",
    "StaffingResult",
    "TeamsError",
    "TeamsResult",
    "VariantOutcome",
    "VariantTask",
    "benchmark_authority",
    "check_granularity",
    "check_output_folder",
    "dfe_authority",
    "dfe_profile",
    "differences",
    "estimate_rates",
    "evaluate_variant",
    "find_authority",
    "find_region",
    "forecast_run",
    "forecast_tasks",
    "generate_authority",
    "plan_change",
    "plan_staffing",
    "plan_teams",
    "prepare_plan",
    "read_plan",
    "read_rates",
    "run_forecast",
    "run_national",
    "run_plan",
    "run_tasks",
    "service_kind",
    "write_benchmark",
    "write_example",
    "write_forecast",
    "write_national",
    "write_plan",
    "write_staffing",
    "write_teams",
]
