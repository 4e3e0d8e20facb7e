"""Options shared by several commands, as decorators (sqlite-utils' ``output_options``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import click

from models import PRESETS

POLICY_HELP = f"Preset name ({', '.join(PRESETS)}) or path to a policy TOML file."
SEED = click.IntRange(0, 2**31 - 1)
"""A seed CP-SAT and the generator accept (a signed 32-bit integer, not negative)."""


def parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    """A ``YYYY-MM-DD`` option value as a date (``None`` when not given)."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected YYYY-MM-DD, got {value!r}") from None


def solve_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The policy and every option of ``models.Options`` (ranges are checked there)."""
    for option in reversed(
        [
            click.option(
                "--policy", "policy_name", default="default", show_default=True, help=POLICY_HELP
            ),
            click.option(
                "--time-limit",
                default=60.0,
                show_default=True,
                help="Wall-clock safety stop of the solve, in seconds.",
            ),
            click.option(
                "--work-limit",
                default=None,
                type=float,
                help="Deterministic work limit per sub-problem (reproducible) "
                "[default: the time limit].",
            ),
            click.option(
                "--gap-limit",
                default=1e-4,
                show_default=True,
                help="Let CP-SAT stop balancing within this relative gap of the bound; the "
                "proof stage then tries to close it, else the result is reported 'feasible' "
                "with its gap. 0 has CP-SAT insist on proof.",
            ),
            click.option("--seed", default=0, show_default=True, help="Solver random seed."),
            click.option(
                "--as-of",
                default=None,
                callback=parse_date,
                help="Allocation date for ASYE months and reductions [default: today].",
            ),
            click.option(
                "--release",
                multiple=True,
                help="Reallocate this worker's children across the team (long leave).",
            ),
            click.option(
                "--release-long-leave",
                is_flag=True,
                help="Reallocate, as temporary cover, the children of workers away longer than "
                "the policy allows (Barnet: over 15 working days); without it they are "
                "only reported.",
            ),
            click.option(
                "--keep-manager-cases",
                "keep_manager_cases",
                is_flag=True,
                help="Leave children a team manager or head of service holds where they are "
                "(by default they are reallocated: managers carry no cases).",
            ),
            click.option(
                "--pin",
                multiple=True,
                metavar="CHILD=WORKER",
                help="Give this child to this worker (a manager's adjustment); repeatable.",
            ),
            click.option(
                "--forbid",
                multiple=True,
                metavar="CHILD=WORKER",
                help="Never give this child to this worker; repeatable.",
            ),
            click.option(
                "--exclude",
                multiple=True,
                metavar="WORKER",
                help="Give this worker no new child in this batch; repeatable.",
            ),
            click.option(
                "--reason",
                default=None,
                help="Why: recorded with every --pin, --forbid and --exclude (required with them).",
            ),
            click.option(
                "--rebalance", is_flag=True, help="Allow existing children to move to even loads."
            ),
            click.option(
                "--max-moves", default=0, show_default=True, help="Moves allowed with --rebalance."
            ),
            click.option(
                "--threads",
                default=1,
                show_default=True,
                help="Solver threads per sub-problem (1 keeps runs byte-identical).",
            ),
            click.option(
                "--processes",
                default=1,
                show_default=True,
                help="Sub-problems (teams) solved side by side, in separate processes.",
            ),
            click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors."),
            click.option(
                "--verbose",
                "-v",
                is_flag=True,
                help="Also print the solver's figures (objective, bound, gap, time), which "
                "summary.json always holds.",
            ),
        ]
    ):
        func = option(func)
    return func
