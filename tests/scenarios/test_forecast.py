"""Forecasts: arithmetic on tiny data where the answer is known, rates, reproducibility."""

from __future__ import annotations

import math
import multiprocessing
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from models import AsyeSchedule, LeavePolicy, ProblemData, Reduction, ServicePolicy
from scenarios import (
    FORECAST_MEASURES,
    ForecastError,
    ForecastSettings,
    Rate,
    estimate_rates,
    read_rates,
    run_forecast,
    write_forecast,
)
from scenarios.forecast import forecast_scopes, forecast_week
from tests.support import AS_OF, CIN, child, dask_cluster, problem, team, worker

WAITING = FORECAST_MEASURES.index("children_waiting")
PER_FTE = FORECAST_MEASURES.index("children_per_fte")


def _rate(team_id: str, arrivals: float, closures: float, category: str = "cin") -> Rate:
    return Rate(team_id, category, arrivals, closures, "test", "test")


def _two_teams():
    """Two cin teams of two full-time workers, 10 children held by each worker."""
    workers = [worker(f"W{t}{k}", f"T{t}") for t in (1, 2) for k in (1, 2)]
    children = [
        child(f"C{w.worker_id}-{i}", w.team_id, worker_id=w.worker_id, referred_on=AS_OF)
        for w in workers
        for i in range(10)
    ]
    return problem([team("T1"), team("T2")], workers, children)


def test_no_arrivals_and_no_closures_change_nothing():
    """With no rates, every week of every run shows today's caseload and nobody waiting."""
    settings = ForecastSettings(as_of=AS_OF, weeks=3, runs=2, work_limit=1)
    result = run_forecast(_two_teams(), CIN, (), settings)
    assert result.values.shape == (2, 4, 4, len(FORECAST_MEASURES))  # authority, cin, T1, T2
    assert np.all(result.values[:, :, :, PER_FTE] == 10.0)
    assert np.all(result.values[:, :, :, WAITING] == 0.0)
    assert "no rates: nothing arrives and nothing closes in any week" in result.notes


def test_arrivals_equal_to_closures_keep_the_caseload_near_its_level():
    """Steady-state closures: the median children per FTE stays near today's level."""
    rates = (_rate("T1", 2.0, 2.0), _rate("T2", 2.0, 2.0))
    settings = ForecastSettings(as_of=AS_OF, weeks=4, runs=6, work_limit=1)
    result = run_forecast(_two_teams(), CIN, rates, settings)
    median = np.median(result.values[:, -1, 0, PER_FTE])
    assert abs(median - 10.0) <= 1.5
    assert not np.all(result.values[:, 1:, 0, PER_FTE] == 10.0)  # the draws do move it


def _families(cases_per_worker: int, sizes: tuple[int, ...]) -> ProblemData:
    """One cin team of three full-time workers, each holding ``cases_per_worker`` cases
    whose sizes cycle through ``sizes`` (a size above 1 is a sibling group)."""
    workers = [worker(f"W{k}") for k in (1, 2, 3)]
    children = []
    for w in workers:
        for case in range(cases_per_worker):
            size = sizes[case % len(sizes)]
            family = f"F{w.worker_id}-{case}" if size > 1 else None
            children += [
                child(
                    f"C{w.worker_id}-{case}-{k}",
                    worker_id=w.worker_id,
                    family_id=family,
                    referred_on=AS_OF,
                )
                for k in range(size)
            ]
    return problem([team()], workers, children)


def test_families_close_and_arrive_together():
    """A family closes with all its children and arrives whole: no group is ever half-closed."""
    data = _families(4, (2,))
    scopes = forecast_scopes(data)
    settings = ForecastSettings(as_of=AS_OF, weeks=4, runs=1, work_limit=1)
    rng = np.random.default_rng([0, 0])
    rates = (_rate("T1", 4.0, 4.0),)
    arrived = 0
    for week in range(1, 5):
        data, _, _ = forecast_week(data, CIN, rates, rng, week, settings, None, scopes)
        sizes = Counter(c.family_id for c in data.children)
        assert None not in sizes and set(sizes.values()) == {2}, sizes
        arrived += sum(1 for f in sizes if "-FC" in str(f))
    assert arrived > 0


def test_a_full_cap_in_cases_keeps_its_children_per_fte():
    """A team full under 10 cases per FTE (Merton 002 s.2.1) keeps about 19 children per FTE."""
    # Closing single children while single children arrived would erode it towards 10.
    policy = CIN.model_copy(update={"services": {"cin": ServicePolicy(max_cases_per_fte=10)}})
    data = _families(10, (1, 2, 3, 2))
    settings = ForecastSettings(as_of=AS_OF, weeks=12, runs=4, work_limit=1)
    result = run_forecast(data, policy, (_rate("T1", 12.0, 6.0),), settings)
    assert result.values[0, 0, 0, PER_FTE] == 19.0
    held = np.median(result.values[:, -1, 0, PER_FTE])
    assert held >= 17.0, result.values[:, -1, 0, PER_FTE]


def test_asye_capacity_grows_on_the_policy_schedule():
    """ASYE capacity grows by months served: waiting = 16 - floor(20 x the week's factor)."""
    start = AS_OF - timedelta(days=20)
    data = problem(
        [team("T1")],
        [worker("A1", role="asye", asye_start=start)],
        [child(f"C{i}", referred_on=AS_OF) for i in range(16)],
    )
    policy = CIN.model_copy(update={"asye": AsyeSchedule(start_factor=0.5, months=12)})
    settings = ForecastSettings(as_of=AS_OF, weeks=12, runs=1, work_limit=2)
    result = run_forecast(data, policy, (), settings)
    waiting = result.values[0, :, 0, WAITING].tolist()
    expected = [
        16 - math.floor(20 * policy.asye.factor_on(start, AS_OF + timedelta(weeks=w)) + 1e-9)
        for w in range(13)
    ]
    assert waiting == expected
    assert expected[0] == 6 and expected[-1] < expected[0]


def _leave_data(days: int):
    """Two workers holding 12 each; W2 is away (all capacity) from week 1 for ``days``."""
    start = AS_OF + timedelta(weeks=1)
    children = [
        child(f"C{w}-{i}", worker_id=w, referred_on=AS_OF) for w in ("W1", "W2") for i in range(12)
    ]
    return problem(
        [team("T1")],
        [worker("W1"), worker("W2")],
        children,
        reductions=[
            Reduction(
                worker_id="W2",
                fraction=1,
                reason="sick leave",
                start=start,
                end=start + timedelta(days=days),
            )
        ],
    )


def test_long_leave_releases_children_on_its_start_date():
    """Leave over 15 working days from week 1: W2's 12 children go to W1 up to 20, 4 wait."""
    policy = CIN.model_copy(update={"leave": LeavePolicy(reallocate_after_working_days=15)})
    settings = ForecastSettings(as_of=AS_OF, weeks=2, runs=1, work_limit=2)
    result = run_forecast(_leave_data(42), policy, (), settings)
    assert result.values[0, :, 0, WAITING].tolist() == [0, 4, 4]


def test_short_leave_releases_nothing():
    """Leave of one week (5 working days, under 15): W2 keeps their children."""
    policy = CIN.model_copy(update={"leave": LeavePolicy(reallocate_after_working_days=15)})
    settings = ForecastSettings(as_of=AS_OF, weeks=2, runs=1, work_limit=2)
    result = run_forecast(_leave_data(6), policy, (), settings)
    assert result.values[0, :, 0, WAITING].tolist() == [0, 0, 0]


def test_rates_estimated_from_referred_on_match_known_rates():
    """T1 cin referred 3 a week, T1 cp 1 a fortnight, T2 none dated: the estimates say so."""
    children = [
        child(f"A{i}", "T1", "cin", referred_on=AS_OF - timedelta(days=7 * (i // 3)))
        for i in range(3 * 80)
    ] + [child(f"B{i}", "T1", "cp", referred_on=AS_OF - timedelta(weeks=2 * i)) for i in range(40)]
    children += [child(f"D{i}", "T2") for i in range(5)]
    data = problem([team("T1"), team("T2")], [], children)
    rates = {(r.team_id, r.category): r for r in estimate_rates(data, AS_OF)}
    assert rates[("T1", "cin")].arrivals_per_week == 3.0
    assert rates[("T1", "cp")].arrivals_per_week == 0.5
    assert rates[("T1", "cin")].closures_per_week == 3.0
    assert "steady state" in rates[("T1", "cin")].closures_source
    assert rates[("T2", "cin")].arrivals_per_week == 0.0
    assert "no referred_on" in rates[("T2", "cin")].arrivals_source


def test_a_rates_file_is_read_and_every_problem_named(tmp_path: Path):
    """Good rows are read with their source; bad ones name file, row and column, all of them."""
    data = _two_teams()
    good = tmp_path / "rates.csv"
    good.write_text("team_id,category,arrivals_per_week,closures_per_week\nT1,cin,2.5,\n")
    (rate,) = read_rates(good, data, CIN)
    assert (rate.arrivals_per_week, rate.closures_per_week) == (2.5, 2.5)
    assert rate.arrivals_source == "given: rates.csv row 2"
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "team_id,category,arrivals_per_week,closures_per_week\n"
        "T11,cin,1,\nT1,cinn,1,\nT1,cin,-1,\nT2,cin,0,\nT2,cin,1,x\n"
    )
    with pytest.raises(ForecastError) as caught:
        read_rates(bad, data, CIN)
    problems = caught.value.problems
    assert len(problems) == 6
    assert f"{bad}: row 2: column team_id: unknown team 'T11'; did you mean 'T1'" in problems[0]
    assert "row 3: column category: unknown category 'cinn'; did you mean 'cin'" in problems[1]
    assert "row 4: column arrivals_per_week: '-1' is not a number above 0" in problems[2]
    assert "row 5: column arrivals_per_week: '0'" in problems[3]
    assert "row 6: column closures_per_week: 'x'" in problems[4]
    assert "row 6: team 'T2' and category 'cin' already given in row 5" in problems[5]


def test_rates_files_as_spreadsheets_save_them_are_read_or_named_by_line(tmp_path: Path):
    """Any case, ; and decimal commas are read; extra values, huge rates, UTF-16 are named."""
    data = _two_teams()
    european = tmp_path / "eu.csv"
    european.write_text("Team_ID;Category;Arrivals_per_week\nt1;CIN;2,5\n")
    (rate,) = read_rates(european, data, CIN)
    assert (rate.team_id, rate.category, rate.arrivals_per_week) == ("T1", "cin", 2.5)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "team_id,category,arrivals_per_week\nT1,cin,2,5\n\nT2,cin,25000\nt2,CIN,1\n",
        encoding="utf-8",
    )
    with pytest.raises(ForecastError) as caught:
        read_rates(bad, data, CIN)
    problems = caught.value.problems
    assert "row 2: more values than the header has columns (3); a decimal comma" in problems[0]
    assert "row 4: column arrivals_per_week: 25000 children a week" in problems[1]
    assert "above 1,000: a typo?" in problems[1]
    assert "row 5: team 'T2' and category 'cin' already given in row 4" in problems[2]
    wide = tmp_path / "utf16.csv"
    wide.write_text("team_id,category,arrivals_per_week\nT1,cin,1\n", encoding="utf-16")
    with pytest.raises(ForecastError, match="is not UTF-8 text"):
        read_rates(wide, data, CIN)


def test_zero_weeks_or_runs_are_refused_together():
    """Weeks and runs below 1 are both named."""
    with pytest.raises(ForecastError) as caught:
        ForecastSettings(as_of=AS_OF, weeks=0, runs=-1)
    assert caught.value.problems == ["--weeks 0: must be 1 or more", "--runs -1: must be 1 or more"]


def _small_forecast() -> tuple:
    rates = (_rate("T1", 1.5, 1.0), _rate("T2", 2.0, 2.5))
    settings = ForecastSettings(as_of=date(2026, 11, 23), weeks=2, runs=3, seed=7, work_limit=1)
    return _two_teams(), CIN, rates, settings


def test_same_seed_gives_identical_results_serial_and_pooled():
    """A process pool of two gives the same values as running inline; another seed differs."""
    data, policy, rates, settings = _small_forecast()
    serial = run_forecast(data, policy, rates, settings)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=context) as pool:
        pooled = run_forecast(data, policy, rates, settings, pool)
    assert np.array_equal(serial.values, pooled.values)
    other = run_forecast(data, policy, rates, settings.__class__(**{**vars(settings), "seed": 8}))
    assert not np.array_equal(serial.values, other.values)


def test_same_seed_gives_identical_results_on_a_local_dask_cluster():
    """A Dask cluster on loopback (two workers) gives the same values as running inline."""
    from distributed import Client

    data, policy, rates, settings = _small_forecast()
    serial = run_forecast(data, policy, rates, settings)
    with dask_cluster(2) as cluster, Client(cluster.scheduler_address) as client:
        on_dask = run_forecast(data, policy, rates, settings, client.get_executor(pure=False))
    assert np.array_equal(serial.values, on_dask.values)


def test_forecast_folder_has_bands_rates_and_charts(tmp_path: Path):
    """The folder holds bands per week, scope and measure with p10 <= median <= p90."""
    import csv

    data, policy, rates, settings = _small_forecast()
    result = run_forecast(data, policy, rates, settings)
    write_forecast(result, tmp_path / "fc", {"data": "test"})
    names = sorted(p.name for p in (tmp_path / "fc").iterdir())
    assert names == [".caseload", "bands.csv", "fan.png", "fan.svg", "rates.csv", "summary.json"]
    rows = list(csv.DictReader((tmp_path / "fc" / "bands.csv").open()))
    assert len(rows) == 3 * 4 * len(FORECAST_MEASURES)  # weeks 0-2, authority + service + 2 teams
    assert all(float(r["p10"]) <= float(r["median"]) <= float(r["p90"]) for r in rows)
    first = tmp_path / "fc" / "fan.svg"
    before = first.read_bytes()
    write_forecast(result, tmp_path / "fc", {"data": "test"})
    assert first.read_bytes() == before


def test_a_dask_worker_lost_mid_run_changes_nothing():
    """A Dask worker killed mid-run: its runs are redone elsewhere, values as inline."""
    import os
    import threading
    import time

    from distributed import Client, LocalCluster

    data, policy, rates, settings = _small_forecast()
    # CP-SAT and 40 runs: long enough on 2 workers for one to die mid-run
    settings = ForecastSettings(
        as_of=settings.as_of, weeks=20, runs=40, seed=7, work_limit=1, mode="cp-sat"
    )
    serial = run_forecast(data, policy, rates, settings)
    killed: list[float] = []
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
        ) as cluster,
        Client(cluster) as client,
    ):  # fmt: skip

        def kill() -> None:
            while not (busy := [a for a, keys in client.processing().items() if keys]):
                time.sleep(0.05)
            time.sleep(0.2)
            killed.append(time.monotonic())
            client.run(os._exit, 1, workers=busy[:1], on_error="ignore")

        killer = threading.Thread(target=kill, daemon=True)
        killer.start()
        on_dask = run_forecast(data, policy, rates, settings, client.get_executor(pure=False))
        finished = time.monotonic()
        killer.join(30)
    assert killed and killed[0] < finished, "the worker was not killed while runs were in flight"
    assert np.array_equal(serial.values, on_dask.values)


def test_arrivals_with_no_case_to_copy_are_said_in_the_notes():
    """A rate for a team and category the data has no case of is named in the notes."""
    settings = ForecastSettings(as_of=AS_OF, weeks=1, runs=1)
    result = run_forecast(_two_teams(), CIN, (_rate("T1", 1.0, 1.0, category="cp"),), settings)
    assert any("no case of their team and category to copy" in n and "T1 cp" in n
               for n in result.notes)  # fmt: skip
