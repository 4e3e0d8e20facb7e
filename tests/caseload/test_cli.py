"""Tests for allocator.cli: the ``caseload`` command through click's CliRunner."""

from __future__ import annotations

import csv
import io
import json
import textwrap
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner, Result

from caseload.cli import main
from models import PRESETS
from tests.support import VALID_CSV, write_folder

AS_OF = ["--as-of", "2026-11-23"]

# The data contract's output columns (docs/data-contract.md, "Outputs").
ALLOCATION_CONTRACT = ["child_id", "worker_id", "team_id", "status", "weight", "reason"]
WORKER_CONTRACT = [
    "worker_id",
    "team_id",
    "fte",
    "capacity",
    "max_children",
    "children_before",
    "children_after",
    "load_before",
    "load_after",
]
SUMMARY_CONTRACT = [
    "status",
    "objective",
    "best_bound",
    "solve_seconds",
    "children_allocated",
    "children_unallocated",
]
OUTPUTS = [
    "allocations.csv",
    "workers.csv",
    "summary.json",
    "candidates.csv",
    "findings.csv",
    "input",
]
TIMING = ("solve_seconds", "stage_seconds")

# Two problems on different rows of workers.csv, three in all.
BROKEN_WORKERS = """\
    worker_id,team_id,role,fte,asye_start,max_children,accepting,skills,locality,name
    M1,007,team_manager,1,,,,,,Mo
    W1,007,social_worker,1,,,true,dv;bsl,north,Wanda
    W2,007,asye,1.6,2024-09-01,,,,,Ash
    W3,T9,boss,0.8,,12,no,life_story,,Sam
    """

# VALID_CSV plus a waiting child that needs a skill nobody in its team has.
UNPLACEABLE_CHILDREN = (
    textwrap.dedent(VALID_CSV["children"]) + "C4,007,cin,,,,,,,,sign_language,,2026-11-01\n"
)


def run(*args: str | Path) -> Result:
    """Invoke ``caseload`` with ``args``; exceptions become exit codes as on a terminal."""
    return CliRunner().invoke(main, [str(a) for a in args])


def allocate(data: Path, out: Path, *extra: str) -> Result:
    """``caseload allocate DATA --out OUT`` at the tests' fixed date."""
    return run("allocate", data, "--out", out, *AS_OF, *extra)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def header(path: Path) -> list[str]:
    return path.read_text("utf-8").splitlines()[0].split(",")


def summary(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text("utf-8"))


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """The small valid data folder of conftest."""
    return write_folder(tmp_path / "data")


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small example authority (default policy) with 10 new referrals."""
    folder = tmp_path_factory.mktemp("authority") / "data"
    result = run("example", folder, "--policy", "default", "--fte", "12", "--new", "10")
    assert result.exit_code == 0, result.output
    return folder


@pytest.fixture(scope="module")
def short_authority(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small example authority with more referrals (80) than its caps have room for."""
    folder = tmp_path_factory.mktemp("short") / "data"
    result = run("example", folder, "--policy", "default", "--fte", "12", "--new", "80")
    assert result.exit_code == 0, result.output
    return folder


# --- help ---------------------------------------------------------------------------


@pytest.mark.parametrize("command", [[], *([name] for name in sorted(main.commands))])
def test_every_command_has_help_with_an_example(command):
    """``caseload [COMMAND] --help`` exits 0 and shows an example."""
    result = run(*command, "--help")
    assert result.exit_code == 0, result.output
    assert "Example" in result.output


def test_commands_are_the_documented_ones():
    """The README and docs describe exactly these commands."""
    assert set(main.commands) == {
        *("validate", "allocate", "example", "demo", "explain", "report", "serve", "users"),
        *("scenario", "plan-staffing", "plan-teams"),
        *("forecast", "benchmark-la", "national"),
    }


# --- validate -----------------------------------------------------------------------


def test_validate_accepts_a_valid_folder(data):
    """A valid folder gives exit 0 and a one-line count of what was read."""
    result = run("validate", data)
    assert result.exit_code == 0, result.output
    assert "ok: 2 teams, 4 workers, 3 children (1 waiting for a worker)" in result.output


def test_validate_lists_every_problem_by_file_row_and_column(tmp_path):
    """A broken folder gives exit 2 and one located line per problem, no traceback."""
    folder = write_folder(tmp_path / "bad", workers=BROKEN_WORKERS)
    result = run("validate", folder)
    assert result.exit_code == 2
    assert "3 problems found" in result.output
    assert "workers.csv, row 4, column fte: must be > 0 and <= 1 (got '1.6')" in result.output
    assert "workers.csv, row 5, column team_id: unknown team_id 'T9'" in result.output
    assert "workers.csv, row 5, column role: must be one of" in result.output
    assert "Traceback" not in result.output


def test_validate_prints_warnings_to_stderr_and_passes(tmp_path):
    """Warnings (a stray flag, a time of day) go to stderr; the data is still valid (exit 0)."""
    children = textwrap.dedent(VALID_CSV["children"]).replace("court;missing", "court;missng")
    children = children.replace("2024-10-01", "2024-10-01 00:00:00")
    folder = write_folder(tmp_path / "data", children=children)
    result = run("validate", folder)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ok: 2 teams")
    assert result.stderr.splitlines() == [
        "warning: children.csv, row 2, column referred_on: holds a time of day; "
        "read as a date (got '2024-10-01 00:00:00')",
        "warning: children.csv, row 3, column flags: unknown flag 'missng': "
        "did you mean 'missing'? Read as written: it adds no weight and no priority",
    ]


def test_allocate_prints_warnings_unless_quiet(tmp_path):
    """allocate prints warnings and goes on; --quiet prints nothing but errors."""
    children = textwrap.dedent(VALID_CSV["children"]).replace("court;missing", "court;missng")
    folder = write_folder(tmp_path / "data", children=children)
    loud = allocate(folder, tmp_path / "loud")
    assert loud.exit_code == 0 and "did you mean 'missing'?" in loud.stderr
    quiet = allocate(folder, tmp_path / "quiet", "--quiet")
    assert quiet.exit_code == 0 and quiet.output == ""


def test_errors_on_many_rows_are_summed_up(tmp_path):
    """The same problem on many rows is one line with the count and the first rows."""
    rows = "".join(f"C{i},T9,cin,,,,,,,,,,\n" for i in range(10, 40))
    folder = write_folder(tmp_path / "data", children=textwrap.dedent(VALID_CSV["children"]) + rows)
    result = run("validate", folder)
    assert result.exit_code == 2
    assert "error: " in result.output and "30 problems found" in result.output
    assert (
        "  children.csv, column team_id, 30 rows (5, 6, 7, 8, 9, ...): "
        "unknown team_id 'T9': not in teams.csv"
    ) in result.output.splitlines()


@pytest.mark.parametrize("command", ["validate", "allocate"])
def test_unknown_policy_exits_2_and_lists_presets(data, tmp_path, command):
    """An unknown ``--policy`` is bad input (exit 2) and the message names the presets."""
    extra = ["--out", str(tmp_path / "out"), *AS_OF] if command == "allocate" else []
    result = run(command, data, "--policy", "nope", *extra)
    assert result.exit_code == 2
    assert "unknown policy 'nope'" in result.output
    assert all(name in result.output for name in PRESETS)
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_policy_file_with_a_bad_field_exits_2_naming_it(data, tmp_path):
    """A policy TOML with a misspelt field is bad input, and the message names the field."""
    policy = tmp_path / "local.toml"
    policy.write_text("[services.cin]\nmax_childen_per_fte = 20\n", encoding="utf-8")
    result = run("validate", data, "--policy", policy)
    assert result.exit_code == 2
    assert "services.cin.max_childen_per_fte" in result.output
    assert "Traceback" not in result.output


# --- allocate -----------------------------------------------------------------------


def test_allocate_writes_the_contract_outputs(data, tmp_path):
    """allocations.csv, workers.csv and summary.json carry every contract column and field."""
    out = tmp_path / "out"
    result = allocate(data, out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir() if p.name != ".caseload") == sorted(OUTPUTS)
    for column in ALLOCATION_CONTRACT:
        assert column in header(out / "allocations.csv"), column
    for column in WORKER_CONTRACT:
        assert column in header(out / "workers.csv"), column
    s = summary(out)
    for key in SUMMARY_CONTRACT:
        assert key in s, key
    assert s["status"] in ("optimal", "feasible", "infeasible", "error")
    rows = read_csv(out / "allocations.csv")
    assert [r["child_id"] for r in rows] == ["C1", "C2", "C3"]  # one row per child, in order
    assert {r["child_id"]: (r["worker_id"], r["status"]) for r in rows} == {
        "C1": ("W1", "kept"),
        "C2": ("W1", "allocated"),
        "C3": ("W3", "kept"),
    }
    assert all(r["reason"] for r in rows)
    assert [r["worker_id"] for r in read_csv(out / "workers.csv")] == ["M1", "W1", "W2", "W3"]
    assert (s["children_allocated"], s["children_unallocated"]) == (1, 0)


def test_allocate_exits_0_with_children_unallocated(tmp_path):
    """A proposal that leaves a child without a worker is still a proposal (exit 0)."""
    data = write_folder(tmp_path / "data", children=UNPLACEABLE_CHILDREN)
    out = tmp_path / "out"
    result = allocate(data, out)
    assert result.exit_code == 0, result.output
    assert summary(out)["children_unallocated"] == 1
    row = next(r for r in read_csv(out / "allocations.csv") if r["child_id"] == "C4")
    assert row["status"] == "unallocated" and row["worker_id"] == ""
    assert row["reason"].startswith("Unallocated: ")


def test_allocate_example_authority_with_shortfall_exits_0(short_authority, tmp_path):
    """A realistic batch where capacity runs short still exits 0 and reports the shortfall."""
    out = tmp_path / "out"
    # A short work limit: proving which children wait is slow here, and not what is tested.
    result = allocate(short_authority, out, "--quiet", "--work-limit", "2")
    assert result.exit_code == 0, result.output
    s = summary(out)
    assert s["children_allocated"] > 0 and s["children_unallocated"] > 0
    assert s["children_allocated"] + s["children_unallocated"] == 80
    assert s["findings"]["unallocated"] >= 1


def test_allocate_with_bad_data_writes_nothing(tmp_path):
    """Invalid input exits 2 with the problems listed, and no output folder appears."""
    folder = write_folder(tmp_path / "bad", workers=BROKEN_WORKERS)
    out = tmp_path / "out"
    result = allocate(folder, out)
    assert result.exit_code == 2
    assert "workers.csv, row 4, column fte" in result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad"]  # no out/, no temp folder


def test_allocate_twice_gives_identical_files(authority, tmp_path):
    """Same data, policy and options: byte-identical files; summary.json differs only in timing."""
    first, second = tmp_path / "first", tmp_path / "second"
    for out in (first, second):
        result = allocate(authority, out, "--quiet")
        assert result.exit_code == 0, result.output
    for name in ("allocations.csv", "workers.csv", "candidates.csv", "findings.csv"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    a, b = summary(first), summary(second)
    for key in TIMING:
        assert key in a
        a.pop(key)
        b.pop(key)
    assert a == b


def test_allocate_unknown_release_exits_2(data, tmp_path):
    """``--release`` of a worker not in workers.csv is bad input and writes nothing."""
    out = tmp_path / "out"
    result = allocate(data, out, "--release", "UNKNOWN")
    assert result.exit_code == 2
    assert "--release: unknown worker_id UNKNOWN" in result.output
    assert not out.exists()


def test_allocate_max_moves_needs_rebalance(data, tmp_path):
    """``--max-moves`` without ``--rebalance`` is refused with exit 2."""
    out = tmp_path / "out"
    result = allocate(data, out, "--max-moves", "3")
    assert result.exit_code == 2
    assert "--max-moves needs --rebalance" in result.output
    assert not out.exists()


def test_allocate_bad_as_of_exits_2(data, tmp_path):
    """A date not written YYYY-MM-DD is a usage error (exit 2)."""
    result = run("allocate", data, "--out", tmp_path / "out", "--as-of", "23/11/2026")
    assert result.exit_code == 2
    assert "expected YYYY-MM-DD" in result.output


def test_allocate_refuses_a_folder_with_foreign_files(data, tmp_path):
    """An --out folder holding a file this tool did not write is left exactly as it was."""
    out = tmp_path / "out"
    out.mkdir()
    notes = out / "notes.docx"
    notes.write_bytes(b"the manager's own notes")
    result = allocate(data, out)
    assert result.exit_code == 2
    assert "notes.docx" in result.output and "Traceback" not in result.output
    assert [p.name for p in out.iterdir()] == ["notes.docx"]
    assert notes.read_bytes() == b"the manager's own notes"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "out"]  # no temp folder left


def test_allocate_replaces_its_own_earlier_output(data, tmp_path):
    """Running again into the same --out replaces the earlier proposal."""
    out = tmp_path / "out"
    assert allocate(data, out).exit_code == 0
    result = allocate(data, out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir() if p.name != ".caseload") == sorted(OUTPUTS)


def test_allocate_never_writes_over_files_put_into_its_output(data, tmp_path):
    """Files a user adds inside an earlier proposal (even in input/) stop the next run."""
    out = tmp_path / "out"
    assert allocate(data, out).exit_code == 0
    (out / "input" / "notes.txt").write_text("mine", encoding="utf-8")
    result = allocate(data, out)
    assert result.exit_code == 2
    assert "input/notes.txt" in result.output
    assert (out / "input" / "notes.txt").read_text(encoding="utf-8") == "mine"


@pytest.fixture
def protected(tmp_path: Path) -> Path:
    """A policy file with the opt-in ASYE protection: no court work held alone by an ASYE."""
    path = tmp_path / "protected.toml"
    path.write_text(
        textwrap.dedent(
            """\
            [services.cin]
            max_children_per_fte = 20
            [services.cla]
            max_children_per_fte = 15
            [asye]
            excluded = ["court"]
            """
        ),
        encoding="utf-8",
    )
    return path


def test_allocate_release_moves_the_workers_children(data, protected, tmp_path):
    """``--release W1``: one child moves to an eligible colleague, the other is unallocated."""
    out = tmp_path / "out"
    result = allocate(data, out, "--release", "W1", "--policy", protected)
    assert result.exit_code == 0, result.output
    rows = {r["child_id"]: r for r in read_csv(out / "allocations.csv")}
    # C1 may go to the ASYE W2; C2 has court work, which an ASYE may not hold alone.
    c1 = rows["C1"]
    assert (c1["worker_id"], c1["status"], c1["worker_before"]) == ("W2", "moved", "W1")
    assert (rows["C2"]["worker_id"], rows["C2"]["status"]) == ("", "unallocated")
    w1 = next(r for r in read_csv(out / "workers.csv") if r["worker_id"] == "W1")
    assert (w1["children_after"], w1["accepting"]) == ("0", "false")


def test_allocate_rebalance_keeps_within_max_moves(authority, tmp_path):
    """``--rebalance --max-moves 2`` moves at most two existing children."""
    out = tmp_path / "out"
    result = allocate(
        authority, out, "--rebalance", "--max-moves", "2", "--work-limit", "1", "--quiet"
    )
    assert result.exit_code == 0, result.output
    moved = [r for r in read_csv(out / "allocations.csv") if r["status"] == "moved"]
    assert len(moved) == summary(out)["children_moved"] <= 2


def test_allocate_processes_give_the_same_proposal(authority, tmp_path):
    """Solving teams side by side (``--processes 2``) changes nothing under a work limit."""
    one, two = tmp_path / "one", tmp_path / "two"
    assert allocate(authority, one, "--quiet", "--work-limit", "5").exit_code == 0
    result = allocate(authority, two, "--quiet", "--work-limit", "5", "--processes", "2")
    assert result.exit_code == 0, result.output
    for name in ("allocations.csv", "workers.csv", "candidates.csv", "findings.csv"):
        assert (one / name).read_bytes() == (two / name).read_bytes(), name


def test_internal_error_is_one_line_with_exit_1(data, tmp_path, monkeypatch):
    """An unexpected exception prints one line and exits 1; CASELOAD_DEBUG=1 lets it through."""
    import allocator

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(allocator, "read_data", broken)
    result = run("validate", data)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "internal error: RuntimeError: disk on fire (set CASELOAD_DEBUG=1 for the traceback)"
    ]
    monkeypatch.setenv("CASELOAD_DEBUG", "1")
    result = run("validate", data)
    assert isinstance(result.exception, RuntimeError)


def _workbook(path: Path) -> Path:
    """VALID_CSV as an .xlsx workbook, with numbers and dates as Excel stores them."""
    numbers = {"fte", "max_children", "weight", "level", "distance_miles"}
    dates = {"asye_start", "referred_on"}
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, text in VALID_CSV.items():
        sheet = book.create_sheet(name)
        rows = list(csv.reader(io.StringIO(textwrap.dedent(text))))
        sheet.append(rows[0])
        for row in rows[1:]:
            cells: list[object] = []
            for column, cell in zip(rows[0], row, strict=True):
                if cell == "":
                    cells.append(None)
                elif column in numbers:
                    cells.append(float(cell))
                elif column in dates:
                    cells.append(date.fromisoformat(cell))
                else:
                    cells.append(cell)
            sheet.append(cells)
    book.save(path)
    return path


def test_allocate_reads_an_xlsx_workbook(data, tmp_path):
    """A workbook gives the same proposal as the same data in CSV files."""
    book = _workbook(tmp_path / "data.xlsx")
    assert run("validate", book).exit_code == 0
    from_csv, from_xlsx = tmp_path / "from_csv", tmp_path / "from_xlsx"
    assert allocate(data, from_csv).exit_code == 0
    result = allocate(book, from_xlsx)
    assert result.exit_code == 0, result.output
    for name in ("allocations.csv", "workers.csv", "candidates.csv"):
        assert (from_csv / name).read_bytes() == (from_xlsx / name).read_bytes(), name
    assert (
        summary(from_csv)["reproduce"]["input_hash"]
        == summary(from_xlsx)["reproduce"]["input_hash"]
    )


# --- explain ------------------------------------------------------------------------


def test_explain_names_the_chosen_worker_and_the_rules_that_ruled_others_out(
    data, protected, tmp_path
):
    """``explain OUT CHILD`` says who got the child and why each other worker did not."""
    out = tmp_path / "out"
    assert allocate(data, out, "--policy", protected).exit_code == 0
    result = run("explain", out, "C2")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "C2 (007): allocated, weight 2.56"  # 1.25 * 1.25 + 0.5 + 0.25 + 0.25
    assert "Allocated to Wanda (W1, social worker" in lines[1]  # workers.csv names W1
    assert any(line.split()[:2] == ["W1", "chosen:"] for line in lines)
    assert any(line.split()[:4] == ["M1", "ruled", "out", "[role]:"] for line in lines)
    assert any(line.split()[:4] == ["W2", "ruled", "out", "[asye]:"] for line in lines)


def test_explain_a_kept_child(data, tmp_path):
    """A child kept with its worker is explained without alternatives."""
    out = tmp_path / "out"
    assert allocate(data, out).exit_code == 0
    result = run("explain", out, "C1")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "C1 (007): kept, weight 0.99",
        "  Kept with Wanda (W1); no change.",
        "  (kept with its worker: no alternatives were considered)",
    ]


def test_explain_unknown_child_exits_2(data, tmp_path):
    """A child not in allocations.csv is bad input (exit 2), named in the message."""
    out = tmp_path / "out"
    assert allocate(data, out).exit_code == 0
    result = run("explain", out, "NOPE")
    assert result.exit_code == 2
    assert "'NOPE' is neither a child nor a worker" in result.output
    assert "Traceback" not in result.output


def test_explain_a_folder_that_is_not_an_output_exits_2(data):
    """Pointing explain at a data folder says so instead of failing."""
    result = run("explain", data, "C2")
    assert result.exit_code == 2
    assert "is not a caseload output folder" in result.output
    assert "allocations.csv" in result.output


# --- example ------------------------------------------------------------------------


def test_example_writes_a_folder_that_validate_accepts(tmp_path):
    """``example DIR`` writes a data folder that ``validate`` accepts under the same policy."""
    folder = tmp_path / "example"
    result = run("example", folder, "--fte", "12", "--new", "10")
    assert result.exit_code == 0, result.output
    assert {p.name for p in folder.iterdir()} >= {"children.csv", "teams.csv", "workers.csv"}
    checked = run("validate", folder, "--policy", "default")  # example's default policy
    assert checked.exit_code == 0, checked.output
    assert "(10 waiting for a worker)" in checked.output


def test_example_then_validate_with_defaults(tmp_path):
    """``caseload example DIR`` then ``caseload validate DIR``, both with their defaults."""
    folder = tmp_path / "example"
    assert run("example", folder, "--fte", "12", "--new", "10").exit_code == 0
    result = run("validate", folder)
    assert result.exit_code == 0, result.output


def test_example_refuses_a_folder_with_foreign_files(tmp_path):
    """``example`` never writes over a folder holding files it did not write."""
    folder = tmp_path / "example"
    folder.mkdir()
    (folder / "mine.txt").write_text("keep me", encoding="utf-8")
    result = run("example", folder, "--fte", "12", "--new", "10")
    assert result.exit_code == 2
    assert (folder / "mine.txt").read_text(encoding="utf-8") == "keep me"
    assert [p.name for p in folder.iterdir()] == ["mine.txt"]


# --- reproduce and option ranges --------------------------------------------------------


def same_files(a: Path, b: Path) -> list[str]:
    """Output files of ``a`` and ``b`` that differ (summary.json without its timings)."""
    differ = []
    for name in OUTPUTS[:-1]:
        if name == "summary.json":
            left, right = summary(a), summary(b)
            for s in (left, right):
                for key in TIMING:
                    s.pop(key)
            if left != right:
                differ.append(name)
        elif (a / name).read_bytes() != (b / name).read_bytes():
            differ.append(name)
    return differ


def test_reproduce_repeats_a_run_from_its_folder_alone(authority, tmp_path):
    """--reproduce OUT runs again from OUT/input and OUT's options: the same proposal."""
    first, again = tmp_path / "first", tmp_path / "again"
    assert allocate(authority, first, "--seed", "7", "--work-limit", "3").exit_code == 0
    result = run("allocate", "--reproduce", first, "--out", again)
    assert result.exit_code == 0, result.output
    assert f"reproduced {first}: every child placed as before" in result.output
    assert same_files(first, again) == []
    assert summary(again)["reproduce"]["options"]["seed"] == 7


def test_reproduce_refuses_other_inputs_or_options(authority, tmp_path):
    """--reproduce takes everything from the folder: DATA or --seed with it is a usage error."""
    first = tmp_path / "first"
    assert allocate(authority, first, "--quiet").exit_code == 0
    result = run("allocate", "--reproduce", first, "--out", tmp_path / "b", "--seed", "2")
    assert result.exit_code == 2
    assert "do not also give --seed" in result.output
    result = run("allocate", authority, "--reproduce", first, "--out", tmp_path / "c")
    assert result.exit_code == 2
    assert "DATA" in result.output


def test_allocate_without_data_or_reproduce_is_a_usage_error(tmp_path):
    """allocate needs DATA or --reproduce."""
    result = run("allocate", "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "give DATA" in result.output


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--time-limit", "-1"),
        ("--gap-limit", "nan"),
        ("--seed", str(2**40)),
        ("--threads", "0"),
        ("--threads", "3000000000"),
    ],
)
def test_out_of_range_option_exits_2_naming_it(data, tmp_path, flag, value):
    """A limit, seed or count out of range is a clean error naming the flag; nothing written."""
    out = tmp_path / "out"
    result = allocate(data, out, flag, value)
    assert result.exit_code == 2
    assert result.output.startswith(f"error: {flag}:")
    assert "Traceback" not in result.output
    assert not out.exists()


@pytest.mark.parametrize("args", [["--seed", "-1"], ["--time-limit", "nan"]])
def test_demo_with_a_bad_option_writes_nothing(tmp_path, args):
    """demo checks its options before writing the example data."""
    result = run("demo", "--out", tmp_path / "demo", *args)
    assert result.exit_code == 2
    assert not (tmp_path / "demo").exists()


@pytest.mark.parametrize(
    "args", [["--fte", "inf"], ["--fte", "nan"], ["--fte", "1e9"], ["--new", "-1"]]
)
def test_example_out_of_range_exits_2(tmp_path, args):
    """An impossible authority size is a usage error, not a crash or an endless run."""
    result = run("example", tmp_path / "ex", *args)
    assert result.exit_code == 2, result.output
    assert not (tmp_path / "ex").exists()


# --- report -------------------------------------------------------------------------


def test_allocate_with_report_writes_the_page_into_the_folder(data, tmp_path):
    """--report adds OUT/report.html, whose headline is summary.json's."""
    out = tmp_path / "out"
    result = allocate(data, out, "--report")
    assert result.exit_code == 0, result.output
    assert f"wrote {out / 'report.html'}" in result.output
    page = (out / "report.html").read_text("utf-8")
    allocated = summary(out)["children_allocated"]
    assert f'data-figure="allocated" data-value="{allocated}"' in page


def test_a_new_allocate_replaces_the_folders_reports(data, tmp_path):
    """Reports belong to the folder: allocate --out to it again replaces them, never refuses."""
    out = tmp_path / "out"
    assert allocate(data, out, "--report").exit_code == 0
    assert run("report", out, "--format", "xlsx").exit_code == 0
    result = allocate(data, out)
    assert result.exit_code == 0, result.output
    assert not (out / "report.html").exists() and not (out / "report.xlsx").exists()


def test_report_writes_each_format(data, tmp_path):
    """caseload report OUT writes report.html, --format xlsx a workbook, --output a path."""
    out = tmp_path / "out"
    assert allocate(data, out).exit_code == 0
    result = run("report", out)
    assert result.exit_code == 0, result.output
    assert (out / "report.html").read_text("utf-8").startswith("<!DOCTYPE html>")
    assert run("report", out, "--format", "xlsx").exit_code == 0
    assert openpyxl.load_workbook(out / "report.xlsx").sheetnames[0] == "Summary"
    elsewhere = tmp_path / "board" / "week.pdf"
    result = run("report", out, "--output", elsewhere)
    assert result.exit_code == 0, result.output
    assert elsewhere.read_bytes().startswith(b"%PDF")


def test_report_on_a_folder_that_is_not_an_output_exits_2(data, tmp_path):
    """A data folder: exit 2, a message naming it, nothing written into it."""
    before = sorted(p.name for p in data.iterdir())
    result = run("report", data)
    assert result.exit_code == 2
    assert "is not a caseload output folder" in result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in data.iterdir()) == before


def test_report_on_a_corrupt_summary_exits_2_naming_it(data, tmp_path):
    """A corrupt summary.json: exit 2 naming the file; no report written."""
    out = tmp_path / "out"
    assert allocate(data, out).exit_code == 0
    (out / "summary.json").write_text("{not json", encoding="utf-8")
    result = run("report", out)
    assert result.exit_code == 2
    assert "summary.json: cannot be read" in result.output
    assert not (out / "report.html").exists()


def test_report_output_with_another_suffix_exits_2(data, tmp_path):
    """--output naming a CSV is refused (exit 2) and the file is untouched."""
    out = tmp_path / "out"
    assert allocate(data, out).exit_code == 0
    target = data / "children.csv"
    before = target.read_bytes()
    result = run("report", out, "--output", target)
    assert result.exit_code == 2
    assert "does not end .html" in result.output
    assert target.read_bytes() == before


# --- a manager's words --------------------------------------------------------------------


def test_the_printed_summary_speaks_to_a_manager(data, tmp_path):
    """Placed and waiting, bands and evenness in plain words; solver terms only with -v."""
    result = allocate(data, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "to allocate:" in result.output and "allocated," in result.output
    assert "objective" not in result.output and "gap" not in result.output
    assert "This is the most even allocation the rules allow (proven)." in result.output
    verbose = allocate(data, tmp_path / "again", "--verbose")
    assert "Solver: optimal, objective" in verbose.output
    assert "Balance: 1 of 1 sub-problems proven by the proof stage" in verbose.output


def test_a_run_stopped_at_its_limit_says_how_far_from_the_most_even():
    """An open gap is said as a percentage; a proven balance with another aim open, apart."""
    from caseload.printing import _how_even

    assert "within 0.040% of the most even" in _how_even({"status": "feasible", "gap": 0.0004})
    assert "as even as the rules allow (proven), but" in _how_even(
        {"status": "feasible", "gap": 0.0}
    )


def test_reasons_name_workers_and_children_by_their_names(tmp_path):
    """Names given in workers.csv and children.csv appear in reasons, with the ids."""
    children = (
        VALID_CSV["children"]
        .replace("referred_on\n", "referred_on,name\n")
        .replace("north,2024-10-01\n", "north,2024-10-01,Amy\n")
    )
    folder = write_folder(tmp_path / "named", children=children)
    out = tmp_path / "out"
    assert allocate(folder, out).exit_code == 0
    reasons = {r["child_id"]: r["reason"] for r in read_csv(out / "allocations.csv")}
    assert "Wanda (W1)" in reasons["C2"]
    assert "with Amy (C1)" in reasons["C2"]  # C2's sibling, by name


def test_explain_a_worker_and_suggest_close_ids(data, tmp_path):
    """explain takes a worker id too; a mistyped id names the closest ids."""
    out = tmp_path / "out"
    assert allocate(data, out).exit_code == 0
    result = run("explain", out, "W1")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("W1 (007, social worker, 1 FTE): holds 2 children")
    assert "given in this run:" in result.output and "C2" in result.output
    wrong = run("explain", out, "W11")
    assert wrong.exit_code == 2
    assert "did you mean W1" in wrong.output


def test_explain_piped_into_head_ends_quietly(tmp_path):
    """`caseload explain OUT W1 | head -c 1` prints no BrokenPipe message."""
    import subprocess
    import sys

    # A worker with 2,000 children waiting prints far more than a pipe holds (64 KB).
    rows = "".join(f"C{i},T1,cin,\n" for i in range(2000))
    folder = write_folder(
        tmp_path / "big",
        teams="team_id,service\nT1,cin\n",
        workers="worker_id,team_id,role,fte\nW1,T1,social_worker,1\n",
        children="child_id,team_id,category,worker_id\n" + rows,
    )
    out = tmp_path / "out"
    assert allocate(folder, out, "--quiet", "--work-limit", "1").exit_code == 0
    command = f"{sys.executable} -m caseload explain {out} W1 | head -c 1 >/dev/null"
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, check=False)
    assert done.stderr == ""


@pytest.mark.parametrize(("signame", "code"), [("SIGINT", 130), ("SIGTERM", 143)])
def test_an_interrupted_allocation_writes_nothing_and_says_so(tmp_path, signame, code):
    """Ctrl-C (or a kill) mid-solve: exit 130 (143), 'interrupted', the old --out kept whole."""
    import os
    import signal
    import subprocess
    import sys
    import time

    data = tmp_path / "data"
    # A default-policy team whose balance takes CP-SAT far longer than the test waits.
    assert (
        run(
            "example", data, "--seed", "1", "--fte", "8", "--new", "30", "--policy", "default"
        ).exit_code
        == 0
    )
    out = tmp_path / "out"
    assert allocate(data, out, "--policy", "default", "--work-limit", "0.1").exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    command = [sys.executable, "-m", "caseload", "allocate", str(data), "--policy", "default"]
    proc = subprocess.Popen(
        [*command, "--out", str(out), "--gap-limit", "0", *AS_OF],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
    )
    time.sleep(3)
    proc.send_signal(getattr(signal, signame))
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code
    assert "interrupted: nothing written" in err
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "out"]


def test_pin_and_forbid_flags_are_kept_and_their_problems_name_the_flags(data, tmp_path):
    """--pin C2=W2 puts C2 with W2, saying so; a pin that breaks a rule names the flag, exit 2."""
    out = tmp_path / "out"
    done = allocate(data, out, "--pin", "C2=W1", "--forbid", "C2=W2", "--reason", "knows dad")
    assert done.exit_code == 0, done.output
    (c2,) = [r for r in read_csv(out / "allocations.csv") if r["child_id"] == "C2"]
    assert c2["worker_id"] == "W1" and "pinned the child to them" in c2["reason"]
    refused = allocate(data, tmp_path / "x", "--pin", "C2=M1", "--reason", "cover")
    assert refused.exit_code == 2
    assert "--pin/--forbid/--exclude: pin C2 to M1: breaks the role rule" in refused.output
    assert "adjustments.csv" not in refused.output and not (tmp_path / "x").exists()
