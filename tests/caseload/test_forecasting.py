"""``caseload forecast`` end to end through click's CliRunner (caseload/forecasting.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from caseload.cli import main
from tests.support import dask_cluster


def run(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("forecast") / "data"
    assert run("example", folder, "--fte", 8, "--new", 4).exit_code == 0
    return folder


SMALL = ("--weeks", 2, "--runs", 2, "--as-of", "2026-11-23", "--seed", 5)


def test_forecast_writes_bands_rates_charts_and_summary(small, tmp_path):
    """A small forecast writes its folder, states the fast mode and every rate's source."""
    result = run("forecast", small, *SMALL, "--out", tmp_path / "fc")
    assert result.exit_code == 0, result.output
    assert "children_waiting" in result.output and "fast mode" in result.output
    cores = min(os.cpu_count() or 1, 2)
    assert ("in this process" if cores == 1 else "on a local pool of 2 processes") in result.output
    folder = tmp_path / "fc"
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["settings"]["runs"] == 2 and summary["settings"]["mode"] == "greedy"
    assert "greedy baseline, which keeps every rule" in summary["fast_mode"]
    rates = (folder / "rates.csv").read_text()
    assert "referred_on:" in rates and "steady state" in rates
    assert (folder / "fan.png").stat().st_size > 0 and (folder / "fan.svg").stat().st_size > 0


def test_mode_cp_sat_solves_each_week_under_the_work_limit(small, tmp_path):
    """--mode cp-sat is stated with its work limit; the bands are those of the same draws."""
    result = run("forecast", small, *SMALL, "--mode", "cp-sat", "--out", tmp_path / "fc")
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "fc" / "summary.json").read_text())
    assert summary["settings"]["mode"] == "cp-sat"
    assert "work limit of 1 per sub-problem" in summary["fast_mode"]
    bands = (tmp_path / "fc" / "bands.csv").read_text()
    assert "children_waiting" in bands


def test_forecast_on_a_dask_scheduler_matches_the_process_pool(small, tmp_path):
    """--scheduler tcp://127.0.0.1:PORT (a local cluster) writes the same bands as --processes 2."""
    pooled = run("forecast", small, *SMALL, "--processes", 2, "--out", tmp_path / "pool")
    assert pooled.exit_code == 0, pooled.output
    with dask_cluster(2) as cluster:
        dask = run(
            "forecast", small, *SMALL, "--scheduler", cluster.scheduler_address,
            "--out", tmp_path / "dask",
        )  # fmt: skip
    assert dask.exit_code == 0, dask.output
    pool_bands = (tmp_path / "pool" / "bands.csv").read_bytes()
    assert (tmp_path / "dask" / "bands.csv").read_bytes() == pool_bands


def test_a_plan_variant_applies_from_its_week(small, tmp_path):
    """Losing a post from week 1 raises children per FTE from week 1 on, not before."""
    plan = tmp_path / "plan.toml"
    plan.write_text(
        'name = "p"\nbase = "data/"\npolicy = "default"\nas_of = "2026-11-23"\n\n'
        '[[variant]]\nname = "lose a post"\n'
        'changes = [ { kind = "reduce_fte", team = "T01", fte = 1 } ]\n'
    )
    args = ("--weeks", 2, "--runs", 1, "--as-of", "2026-11-23", "--rates", tmp_path / "none.csv")
    (tmp_path / "none.csv").write_text("team_id,category,arrivals_per_week\n")
    base = run("forecast", small, *args, "--out", tmp_path / "base")
    cut = run(
        "forecast", small, *args, "--plan", plan, "--variant", "lose a post",
        "--from-week", 1, "--out", tmp_path / "cut",
    )  # fmt: skip
    assert base.exit_code == 0 and cut.exit_code == 0, cut.output

    def t01(folder: Path) -> list[float]:
        lines = (folder / "bands.csv").read_text().splitlines()
        return [
            float(line.split(",")[6]) for line in lines if ",team,T01,children_per_fte," in line
        ]

    before, after = t01(tmp_path / "base"), t01(tmp_path / "cut")
    assert before[0] == after[0] and after[1] > before[1] and after[2] > before[2]


@pytest.mark.parametrize(
    ("args", "messages"),
    [
        (("--weeks", 0, "--runs", -2), ["--weeks 0: must be 1 or more", "--runs -2"]),
        (("--scheduler", "tcp://10.1.2.3:8786"), ["use tls:// (Dask's TLS settings)"]),
        (("--scheduler", "http://x"), ["expected tcp://HOST:PORT"]),
        (("--plan", "missing.toml"), ["--plan and --variant go together"]),
        (("--from-week", 3), ["--from-week 3: needs --plan and --variant"]),
        (
            ("--work-limit", 2, "--gap-limit", 0.1),
            ["--work-limit applies to --mode cp-sat", "--gap-limit applies to --mode cp-sat"],
        ),
    ],
)
def test_bad_options_exit_2_and_write_nothing(small, tmp_path, args, messages):
    """Bad options are each named (collected), exit 2, no traceback, no folder."""
    result = run("forecast", small, *args, "--out", tmp_path / "fc")
    assert result.exit_code == 2, result.output
    for message in messages:
        assert message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "fc").exists()


def test_a_bad_rates_file_and_unknown_variant_are_both_named(small, tmp_path):
    """A rates file naming an unknown team and a plan without the variant: both listed, exit 2."""
    rates = tmp_path / "rates.csv"
    rates.write_text("team_id,category,arrivals_per_week\nT99,cin,1\n")
    plan = tmp_path / "plan.toml"
    plan.write_text('name = "p"\nbase = "data/"\nas_of = "2026-11-23"\n')
    result = run(
        "forecast", small, "--rates", rates, "--plan", plan, "--variant", "nope",
        "--out", tmp_path / "fc",
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert f"{rates}: row 2: column team_id: unknown team 'T99'" in result.output
    assert "--variant 'nope': no such variant" in result.output
    assert not (tmp_path / "fc").exists()


def test_bad_options_and_bad_data_are_listed_together(tmp_path):
    """A data folder with a problem and a bad option: both in one list, exit 2."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "teams.csv").write_text("team_id,service\nT1,cin\n")
    (data / "workers.csv").write_text("worker_id,team_id,role,fte\nW1,T1,social_worker,2\n")
    (data / "children.csv").write_text("child_id,team_id,category\nC1,T1,cin\n")
    result = run("forecast", data, "--runs", 0, "--out", tmp_path / "fc")
    assert result.exit_code == 2, result.output
    assert "error: 2 problems found" in result.output
    assert "--runs 0: must be 1 or more" in result.output and "workers.csv" in result.output


def test_an_unreachable_scheduler_exits_2_and_writes_nothing(small, tmp_path):
    """A scheduler nobody listens on is a clear error naming it, exit 2."""
    import socket

    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    result = run(
        "forecast", small, *SMALL, "--scheduler", f"tcp://127.0.0.1:{port}",
        "--connect-timeout", 1, "--out", tmp_path / "fc",
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert f"--scheduler tcp://127.0.0.1:{port}: cannot reach the Dask scheduler" in result.output
    assert not (tmp_path / "fc").exists()


@pytest.mark.parametrize(
    ("scheme", "answer"), [("tcp", b""), ("tcp", b"HTTP/1.1 200 OK\r\n\r\n"), ("tls", b"")]
)
def test_a_port_that_is_not_a_scheduler_exits_2_within_the_timeout(small, tmp_path, scheme, answer):
    """A port that says nothing, answers HTTP, or a tls:// address without TLS settings: exit 2."""
    import socket
    import threading
    import time

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    port = server.getsockname()[1]
    held = []

    def serve() -> None:
        server.settimeout(0.2)
        stop = time.monotonic() + 30
        while time.monotonic() < stop:
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            held.append(conn)
            if answer:
                conn.sendall(answer)

    threading.Thread(target=serve, daemon=True).start()
    started = time.monotonic()
    result = run(
        "forecast", small, *SMALL, "--scheduler", f"{scheme}://127.0.0.1:{port}",
        "--connect-timeout", 1, "--out", tmp_path / "fc",
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "cannot reach the Dask scheduler" in result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    assert time.monotonic() - started < 20
    assert not (tmp_path / "fc").exists()
    server.close()


def test_benchmark_la_prints_the_table_and_writes_the_chart(tmp_path):
    """The authority's measures by year beside its region's and England's, and the chart."""
    result = run("benchmark-la", "E06000004", "--out", tmp_path / "b")
    assert result.exit_code == 0, result.output
    assert "Stockton-on-Tees (E06000004), North East" in result.output
    assert "2025    17.2" in result.output and "of 149 in England" in result.output
    names = sorted(p.name for p in (tmp_path / "b").iterdir())
    assert names == [".caseload", "benchmark.csv", "benchmark.png", "benchmark.svg"]


def test_benchmark_la_unknown_name_suggests_and_exits_2():
    """A misspelt authority: exit 2 and the closest names."""
    result = run("benchmark-la", "Stokton")
    assert result.exit_code == 2
    assert "no local authority named 'Stokton'; did you mean 'Stockton-on-Tees'" in result.output


def test_national_on_one_region_writes_rows_and_totals(tmp_path):
    """One authority of the South East staffed at 18: its row, the region and the total agree."""
    import csv

    result = run(
        "national", "--target-per-fte", 18, "--region", "South East", "--limit", 1,
        "--work-limit", 2, "--out", tmp_path / "n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (row,) = list(csv.DictReader((tmp_path / "n" / "national.csv").open()))
    assert row["la_name"] == "Bracknell Forest" and row["published_case_holders_fte"] == "42.5"
    assert float(row["fte_needed"]) - float(row["fte_now"]) == pytest.approx(
        float(row["difference"])
    )
    # 825 children at no more than 18 per FTE need at least 825 / 18 FTE
    assert float(row["fte_needed"]) >= 825 / 18
    totals = {t["la_name"]: t for t in csv.DictReader((tmp_path / "n" / "totals.csv").open())}
    assert totals["South East"]["fte_needed"] == row["fte_needed"]
    assert "England (DfE)" not in totals  # a narrowed sweep is not compared with England
    assert (tmp_path / "n" / "national.svg").stat().st_size > 0


@pytest.mark.parametrize(
    ("args", "messages"),
    [
        (("--target-per-fte", 0, "--limit", 0), ["--target-per-fte 0: must be", "--limit 0"]),
        (("--target-per-fte", 18, "--region", "Nort East"), ["did you mean 'North East'"]),
        (
            ("--target-per-fte", -5, "--limit", 0, "--region", "Nort East"),
            ["--target-per-fte -5", "--limit 0", "did you mean 'North East'"],
        ),
        (("--target-per-fte", 18, "--region", "Wales"), ["the regions: East Midlands"]),
        (("--target-per-fte", "inf", "--limit", 1), ["--target-per-fte inf: must be a finite"]),
    ],
)
def test_national_bad_options_exit_2_and_write_nothing(tmp_path, args, messages):
    """A target or limit at or below 0 and an unknown region: named, exit 2, nothing written."""
    result = run("national", *args, "--out", tmp_path / "n")
    assert result.exit_code == 2, result.output
    for message in messages:
        assert message in result.output
    assert not (tmp_path / "n").exists()


@pytest.mark.parametrize("command", ["forecast", "national"])
def test_a_folder_caseload_did_not_write_is_refused_before_any_run(
    small, tmp_path, monkeypatch, command
):
    """--out holding a user's notes: exit 2 at once, nothing run, the notes untouched."""
    import scenarios

    def never(*args, **kwargs):
        raise AssertionError("ran before checking --out")

    monkeypatch.setattr(scenarios, "run_forecast", never)
    monkeypatch.setattr(scenarios, "run_national", never)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    args = {
        "forecast": ["forecast", small, "--weeks", "1", "--runs", "1"],
        "national": ["national", "--target-per-fte", "18", "--limit", "1"],
    }[command]
    refused = run(*args, "--out", mine)
    assert refused.exit_code == 2, refused.output
    assert "a folder caseload did not write" in refused.output
    assert (mine / "notes.txt").read_text() == "keep me"


def test_ctrl_c_stops_a_pooled_forecast_at_once(small, tmp_path):
    """SIGINT to the command (kill -INT) ends the pool's processes too: exit 130 at once."""
    import signal
    import subprocess
    import sys
    import time

    command = [sys.executable, "-m", "caseload", "forecast", str(small), "--weeks", "26"]
    proc = subprocess.Popen(
        [*command, "--runs", "400", "--mode", "cp-sat", "--processes", "2", "--as-of",
         "2026-11-23", "--out", str(tmp_path / "fc")],
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # the pool's processes do not get the signal themselves
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
    )  # fmt: skip
    time.sleep(6)
    assert proc.poll() is None, "the forecast ended before the signal"
    proc.send_signal(signal.SIGINT)
    sent = time.monotonic()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert time.monotonic() - sent < 10, err
    assert "interrupted: nothing written" in err
    assert not (tmp_path / "fc").exists()


def test_an_as_of_before_the_data_is_warned_about(small, tmp_path):
    """--as-of before the children's referral dates runs, but says the data is later."""
    result = run(
        "forecast", small, "--weeks", 1, "--runs", 1, "--as-of", "2020-01-01",
        "--out", tmp_path / "fc",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "warning: --as-of 2020-01-01 is before" in result.output
