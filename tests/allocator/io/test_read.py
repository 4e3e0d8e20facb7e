"""Tests for allocator.io.read: the data contract's conventions and every input problem."""

from __future__ import annotations

import csv
import io
import re
import tempfile
import textwrap
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocator.io import (
    InputError,
    InputProblem,
    OutputError,
    describe_problems,
    read_data,
    write_data,
)
from allocator.io.columns import TABLES
from models import Child, ProblemData, Reduction, Role, Team, Worker, load_policy
from tests.support import ROOT, VALID_CSV, write_folder

CONTRACT = ROOT / "docs" / "data-contract.md"
"""The project's copy of the data contract (tests/test_docs.py keeps it equal to shared/)."""
DEFAULT = load_policy("default")
ASYE_PROTECTIONS = load_policy(ROOT / "docs" / "examples" / "asye-protections.toml")
"""The opt-in ASYE protections: court and child-protection work never held alone by an ASYE."""


def problems(folder: Path, policy=None) -> list[InputProblem]:
    with pytest.raises(InputError) as caught:
        read_data(folder, policy)
    return caught.value.problems


def located(folder: Path, policy=None) -> list[tuple[str, int | None, str | None]]:
    return [(p.file, p.row, p.column) for p in problems(folder, policy)]


def with_row(table: str, row: str) -> str:
    """The valid CSV of ``table`` with one more data row."""
    return textwrap.dedent(VALID_CSV[table]) + row + "\n"


def replace(table: str, old: str, new: str) -> str:
    text = textwrap.dedent(VALID_CSV[table])
    assert old in text
    return text.replace(old, new, 1)


# --- happy path -------------------------------------------------------------------


def test_reads_valid_folder(tmp_path):
    """A valid folder gives typed models in file order, IDs kept as text."""
    data = read_data(write_folder(tmp_path))
    assert [t.team_id for t in data.teams] == ["007", "T2"]
    assert [w.worker_id for w in data.workers] == ["M1", "W1", "W2", "W3"]
    assert [c.child_id for c in data.children] == ["C1", "C2", "C3"]
    assert data.reductions == ()
    assert data.source == str(tmp_path)
    w1, w2, w3 = data.workers[1:]
    assert w1 == Worker(
        worker_id="W1", team_id="007", role=Role.SOCIAL_WORKER, fte=1.0,
        accepting=True, skills=frozenset({"dv", "bsl"}), locality="north", name="Wanda",
    )  # fmt: skip
    assert (w2.role, w2.fte, w2.asye_start) == (Role.ASYE, 0.6, date(2024, 9, 1))
    assert (w3.max_children, w3.accepting) == (12, False)
    c2 = data.children[1]
    assert c2.worker_id is None and c2.weight is None and c2.required_skill is None
    assert (c2.level, c2.distance_miles, c2.referred_on) == (3, 25.0, date(2024, 11, 2))
    assert c2.flags == frozenset({"court", "missing"})
    assert data.children[2].weight == 1.5


def test_bom_whitespace_column_order_and_extra_columns(tmp_path):
    """A BOM, padded cells and headers, shuffled and extra columns are all accepted."""
    teams = "\ufeff note , service ,team_id\n x , cin , 007 \n"
    workers = "worker_id,fte,role,team_id,Notes\n  W1 , 0.5 ,Social_Worker, 007 ,hello\n"
    children = "team_id,child_id,category,flags\n007,C1, cin ,  court ; ;dv  \n"
    folder = write_folder(tmp_path, teams=teams, workers=workers, children=children)
    data = read_data(folder)
    assert data.teams == (Team(team_id="007", service="cin"),)
    assert data.workers == (Worker(worker_id="W1", team_id="007", role="social_worker", fte=0.5),)
    assert data.children[0].flags == frozenset({"court", "dv"})
    assert data.children[0].category == "cin"


@pytest.mark.parametrize(
    ("text", "value"),
    [("true", True), ("TRUE", True), ("Yes", True), ("1", True), ("false", False),
     ("No", False), ("0", False), ("FaLsE", False), ("", True)],
)  # fmt: skip
def test_booleans(tmp_path, text, value):
    """Booleans accept true/false/yes/no/1/0 in any case; empty means the default."""
    workers = replace("workers", "social_worker,1,,,true", f"social_worker,1,,,{text}")
    data = read_data(write_folder(tmp_path, workers=workers))
    assert data.workers[1].accepting is value


def test_numbers_and_ids_keep_their_text(tmp_path):
    """IDs that look like numbers stay strings; numbers may be written 1, 1.0, .5 or 5e-1."""
    teams = "team_id,service\n007,cin\n1.0,cla\n"
    workers = "worker_id,team_id,role,fte\n0001,007,social_worker,.5\n1e3,1.0,social_worker,5e-1\n"
    children = "child_id,team_id,category,weight,level\n00,007,cin,1.0,4.0\n"
    data = read_data(write_folder(tmp_path, teams=teams, workers=workers, children=children))
    assert [t.team_id for t in data.teams] == ["007", "1.0"]
    assert [(w.worker_id, w.fte) for w in data.workers] == [("0001", 0.5), ("1e3", 0.5)]
    assert (data.children[0].child_id, data.children[0].level) == ("00", 4)


def test_reductions_are_read_with_from_and_to(tmp_path):
    """reductions.csv is optional; its from/to columns become start/end."""
    reductions = """\
        worker_id,fraction,reason,from,to
        W1,0.5,phased return,2024-01-01,2024-03-31
        W3,1,sick,,
        """
    data = read_data(write_folder(tmp_path, reductions=reductions))
    assert data.reductions == (
        Reduction(worker_id="W1", fraction=0.5, reason="phased return",
                  start=date(2024, 1, 1), end=date(2024, 3, 31)),
        Reduction(worker_id="W3", fraction=1.0, reason="sick"),
    )  # fmt: skip


def test_children_with_header_only_is_allowed(tmp_path):
    """A children.csv with a header and no rows means nothing to allocate."""
    data = read_data(write_folder(tmp_path, children="child_id,team_id,category\n"))
    assert data.children == ()


def test_blank_rows_are_skipped_but_counted(tmp_path):
    """Blank lines and all-empty rows are ignored; row numbers still count them."""
    children = "child_id,team_id,category,level\nC1,007,cin,1\n\n,,,\nC2,007,cin,9\n"
    assert located(write_folder(tmp_path, children=children)) == [("children.csv", 5, "level")]


def test_policy_known_services_and_categories_pass(tmp_path):
    """With a policy, known services and categories (or a given weight) raise nothing."""
    children = with_row("children", "C4,T2,respite,,,0.5,,,,,,,")
    data = read_data(write_folder(tmp_path, children=children), load_policy("default"))
    assert data.children[-1].category == "respite"


def test_columns_match_the_contract():
    """The contract's columns come first, in its order and with its required flags."""
    text = CONTRACT.read_text("utf-8")
    for table in TABLES[:3]:
        section = text.split(f"### {table.name}.csv")[1].split("###")[0]
        rows = re.findall(r"^\| (\w+) \| ([^|]+) \|", section, re.MULTILINE)
        names = [name for name, _ in rows[1:]]
        assert [c.name for c in table.columns][: len(names)] == names
        required = {name for name, flag in rows[1:] if flag.strip() == "yes"}
        assert {c.name for c in table.columns if c.required} == required
    assert [c.name for c in TABLES[3].columns] == ["worker_id", "fraction", "reason", "from", "to"]


CONTRACT_COLUMNS = {
    "teams": ["team_id", "service", "manager_id", "name"],
    "workers": ["worker_id", "team_id", "role", "fte", "asye_start", "max_children",
                "accepting", "skills", "locality", "name"],
    "children": ["child_id", "team_id", "category", "worker_id", "family_id", "weight", "level",
                 "flags", "distance_miles", "previous_worker_id", "required_skill", "locality",
                 "referred_on"],
}  # fmt: skip
"""The data contract's own columns (a copy, so the test does not read the code it checks)."""


def test_every_column_beyond_the_contract_is_documented():
    """Each extension column and file is described in docs/data-contract-extensions.md."""
    docs = (ROOT / "docs" / "data-contract-extensions.md").read_text("utf-8")
    for table in TABLES:
        contract = CONTRACT_COLUMNS.get(table.name, [])
        if not contract:
            assert f"### {table.name}.csv" in docs, table.name
        for column in table.columns:
            if column.name not in contract:
                assert f"| {column.name} |" in docs, f"{table.name}.{column.name}"


# --- problems with files ----------------------------------------------------------


def test_problem_and_error_text():
    """A problem reads 'file, row R, column C: message'; the error lists one per line."""
    one = InputProblem("workers.csv", 14, "fte", "must be > 0 and <= 1 (got '1.5')")
    two = InputProblem("teams.csv", None, None, "file not found")
    assert str(one) == "workers.csv, row 14, column fte: must be > 0 and <= 1 (got '1.5')"
    assert str(InputError([one, two])) == f"{one}\nteams.csv: file not found"


def test_missing_files(tmp_path):
    """Each missing required file is named; reductions.csv may be absent."""
    folder = write_folder(tmp_path, teams=None, children=None)
    assert located(folder) == [("teams.csv", None, None), ("children.csv", None, None)]


def test_missing_folder(tmp_path):
    """A path that does not exist is one problem naming it."""
    assert located(tmp_path / "nowhere") == [(str(tmp_path / "nowhere"), None, None)]


def test_not_a_folder_or_workbook(tmp_path):
    """A single CSV file is not a data folder."""
    file = tmp_path / "teams.csv"
    file.write_text("team_id\n")
    [problem] = problems(file)
    assert "neither a folder nor an .xlsx workbook" in problem.message


def test_non_utf8_file(tmp_path):
    """A file that is not UTF-8 is named with the row of the first bad byte."""
    workers = textwrap.dedent(VALID_CSV["workers"]).replace("Wanda", "Zoë").encode("cp1252")
    [problem] = problems(write_folder(tmp_path, workers=workers))
    assert (problem.file, problem.row, problem.column) == ("workers.csv", 3, None)
    assert "not UTF-8" in problem.message and "0xeb" in problem.message


def test_unreadable_file(tmp_path):
    """A file that cannot be opened (here: a folder in its place) is a problem naming it."""
    folder = write_folder(tmp_path, children=None)
    (folder / "children.csv").mkdir()
    [problem] = problems(folder)
    assert (problem.file, problem.row) == ("children.csv", None)
    assert "cannot be read" in problem.message


@pytest.mark.parametrize("table", ["teams", "workers", "children", "reductions"])
def test_empty_file_needs_a_header(tmp_path, table):
    """A file with no header row at all is a problem, whichever file it is."""
    [problem] = problems(write_folder(tmp_path, **{table: ""}))
    assert (problem.file, problem.row, problem.column) == (f"{table}.csv", None, None)
    assert "empty" in problem.message


def test_blank_first_line_is_no_header(tmp_path):
    """A blank first line is reported as a missing header."""
    [problem] = problems(write_folder(tmp_path, children="\nchild_id,team_id,category\n"))
    assert problem.file == "children.csv" and "row 1 is empty" in problem.message


@pytest.mark.parametrize("table", ["teams", "workers"])
def test_teams_and_workers_need_rows(tmp_path, table):
    """teams.csv and workers.csv with a header but no rows are problems."""
    header = textwrap.dedent(VALID_CSV[table]).splitlines()[0]
    found = problems(write_folder(tmp_path, **{table: header + "\n"}))
    empty = [p for p in found if "has no rows" in p.message]
    assert [(p.file, p.row, p.column) for p in empty] == [(f"{table}.csv", None, None)]


def test_missing_required_columns(tmp_path):
    """Each missing required column is named at row 1; its cells are not reported again."""
    workers = "worker_id,team_id\nM1,007\nW1,007\nW2,007\nW3,T2\n"
    assert located(write_folder(tmp_path, workers=workers)) == [
        ("workers.csv", 1, "role"),
        ("workers.csv", 1, "fte"),
    ]


def test_duplicate_header_column(tmp_path):
    """A contract column given twice is a problem at row 1."""
    teams = "team_id,service,service\n007,cin,cla\nT2,cla,cla\n"
    assert located(write_folder(tmp_path, teams=teams)) == [("teams.csv", 1, "service")]


def test_row_with_too_many_cells(tmp_path):
    """A row longer than the header is a problem on that row."""
    teams = "team_id,service\n007,cin\nT2,cla,oops\n"
    [problem] = problems(write_folder(tmp_path, teams=teams))
    assert (problem.file, problem.row, problem.column) == ("teams.csv", 3, None)


# --- problems with cells ----------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "row", "column", "first"),
    [
        ("teams", "007,cla,,", "team_id", 2),
        ("workers", "W2,T2,social_worker,1,,,,,,", "worker_id", 4),
        ("children", "C1,T2,cla,,,,,,,,,,", "child_id", 2),
    ],
)
def test_duplicate_ids(tmp_path, table, row, column, first):
    """A repeated key is reported on the later row, naming the earlier one."""
    folder = write_folder(tmp_path, **{table: with_row(table, row)})
    [problem] = problems(folder)
    last = len(textwrap.dedent(VALID_CSV[table]).splitlines()) + 1
    assert (problem.file, problem.row, problem.column) == (f"{table}.csv", last, column)
    assert f"also on row {first}" in problem.message


@pytest.mark.parametrize(
    ("table", "old", "new", "row", "column"),
    [
        ("teams", "T2,cla,,", "T2,cla,W9,", 3, "manager_id"),
        ("workers", "W3,T2,", "W3,T9,", 5, "team_id"),
        ("children", "C3,T2,", "C3,T9,", 4, "team_id"),
        ("children", "C3,T2,cla,W3,", "C3,T2,cla,W9,", 4, "worker_id"),
        ("children", "25,W1,", "25,W9,", 3, "previous_worker_id"),
    ],
)
def test_unknown_references(tmp_path, table, old, new, row, column):
    """A reference to a team or worker that does not exist names the row and column."""
    folder = write_folder(tmp_path, **{table: replace(table, old, new)})
    [problem] = problems(folder)
    assert (problem.file, problem.row, problem.column) == (f"{table}.csv", row, column)
    assert "unknown" in problem.message and "9'" in problem.message


def test_unknown_reduction_worker(tmp_path):
    """A reduction for a worker not in workers.csv is a problem."""
    reductions = "worker_id,fraction,reason\nW1,0.5,ok\nW9,0.5,who\n"
    assert located(write_folder(tmp_path, reductions=reductions)) == [
        ("reductions.csv", 3, "worker_id")
    ]


@pytest.mark.parametrize(
    ("table", "old", "new", "column", "message"),
    [
        ("workers", "W1,007,social_worker,1,", "W1,007,social_worker,0,", "fte",
         "must be > 0 and <= 1 (got '0')"),
        ("workers", "W1,007,social_worker,1,", "W1,007,social_worker,1.5,", "fte",
         "must be > 0 and <= 1 (got '1.5')"),
        ("workers", "W1,007,social_worker,1,", "W1,007,social_worker,full,", "fte",
         "must be a number (got 'full')"),
        ("workers", "0.8,,12,", "0.8,,-1,", "max_children",
         "must be a whole number >= 0 and <= 1000 (got '-1')"),
        ("workers", "0.8,,12,", "0.8,,2.5,", "max_children", "must be a whole number (got '2.5')"),
        ("workers", "social_worker,1", "manager,1", "role",
         "must be one of social_worker, senior_practitioner, advanced_practitioner, asye, "
         "team_manager, head_of_service (got 'manager')"),
        ("workers", ",,true,", ",,maybe,", "accepting",
         "must be true or false (yes/no and 1/0 also work) (got 'maybe')"),
        ("children", "C3,T2,cla,W3,,1.5", "C3,T2,cla,W3,,0", "weight",
         "must be > 0 and <= 100 (got '0')"),
        ("children", "C3,T2,cla,W3,,1.5", "C3,T2,cla,W3,,-2", "weight",
         "must be > 0 and <= 100 (got '-2')"),
        ("children", ",,3,court", ",,5,court", "level",
         "must be a whole number >= 1 and <= 4 (got '5')"),
        ("children", ",,3,court", ",,0,court", "level",
         "must be a whole number >= 1 and <= 4 (got '0')"),
        ("children", "missing,25,", "missing,-1,", "distance_miles",
         "must be >= 0 and <= 1000 (got '-1')"),
        ("children", "C1,007,cin,", "C1,007,,", "category", "is required but empty"),
    ],
)  # fmt: skip
def test_bad_values(tmp_path, table, old, new, column, message):
    """Out-of-range, non-numeric and unknown values name file, row, column and the value."""
    [problem] = problems(write_folder(tmp_path, **{table: replace(table, old, new)}))
    assert problem.file == f"{table}.csv" and problem.row in (2, 3, 4, 5)
    assert (problem.column, problem.message) == (column, message)


@pytest.mark.parametrize("fraction", ["0", "1.2", "half"])
def test_bad_reduction_fraction(tmp_path, fraction):
    """A reduction fraction must be a number with 0 < fraction <= 1."""
    reductions = f"worker_id,fraction,reason\nW1,{fraction},sick\n"
    assert located(write_folder(tmp_path, reductions=reductions)) == [
        ("reductions.csv", 2, "fraction")
    ]


@pytest.mark.parametrize(
    "text", ["5/1/2024", "01/13/2024", "2024-1-5", "20240105", "2024-02-30", "31/02/2024", "soon"]
)
def test_bad_dates(tmp_path, text):
    """Dates must be real dates written YYYY-MM-DD or DD/MM/YYYY; nothing else is guessed."""
    children = replace("children", "2024-10-01", text)
    [problem] = problems(write_folder(tmp_path, children=children))
    assert (problem.file, problem.row, problem.column) == ("children.csv", 2, "referred_on")
    assert problem.message.endswith(f"(got {text!r})")


def test_reduction_to_before_from(tmp_path):
    """A reduction ending before it starts is blamed on its 'to' column."""
    reductions = "worker_id,fraction,reason,from,to\nW1,0.5,leave,2024-03-01,2024-02-01\n"
    [problem] = problems(write_folder(tmp_path, reductions=reductions))
    assert (problem.file, problem.row, problem.column) == ("reductions.csv", 2, "to")
    assert problem.message == "'to' is before 'from' (got '2024-02-01')"


def test_asye_needs_start(tmp_path):
    """An ASYE worker without asye_start is a problem on that cell."""
    workers = replace("workers", "asye,0.6,2024-09-01", "asye,0.6,")
    [problem] = problems(write_folder(tmp_path, workers=workers))
    assert (problem.file, problem.row, problem.column) == ("workers.csv", 4, "asye_start")
    assert "required for role 'asye'" in problem.message


def test_asye_with_bad_start_is_reported_once(tmp_path):
    """A bad asye_start is reported as a bad date, not again as missing."""
    workers = replace("workers", "asye,0.6,2024-09-01", "asye,0.6,Sept 2024")
    assert located(write_folder(tmp_path, workers=workers)) == [("workers.csv", 4, "asye_start")]


def test_manager_must_not_carry_cases(tmp_path):
    """A team's manager_id naming a case-holding worker is a problem."""
    teams = replace("teams", "T2,cla,,", "T2,cla,W3,")
    [problem] = problems(write_folder(tmp_path, teams=teams))
    assert (problem.file, problem.row, problem.column) == ("teams.csv", 3, "manager_id")
    assert "senior_practitioner" in problem.message


def test_policy_unknown_service_and_category(tmp_path):
    """With a policy: unknown services, and unknown categories without a weight, are problems."""
    teams = replace("teams", "T2,cla", "T2,fostering")
    children = with_row("children", "C4,T2,respite,,,,,,,,,,")
    folder = write_folder(tmp_path, teams=teams, children=children)
    assert read_data(folder).teams[1].service == "fostering"  # no policy, no check
    found = problems(folder, load_policy("default"))
    assert [(p.file, p.row, p.column) for p in found] == [
        ("teams.csv", 3, "service"),
        ("children.csv", 5, "category"),
    ]
    assert "unknown service 'fostering'" in found[0].message
    assert "unknown category 'respite' and no weight given" in found[1].message


def test_every_problem_is_collected_and_sorted(tmp_path):
    """Problems in several files and rows are all reported, by file, row and column."""
    teams = with_row("teams", "007,cin,,")
    workers = replace("workers", "W3,T2,senior_practitioner,0.8", "W3,T9,boss,2")
    children = replace("children", "C1,007,cin,W1", "C1,007,,W8")
    reductions = "worker_id,fraction,reason,from\nW1,0,,2024-31-01\n"
    folder = write_folder(
        tmp_path, teams=teams, workers=workers, children=children, reductions=reductions
    )
    assert located(folder) == [
        ("teams.csv", 4, "team_id"),
        ("workers.csv", 5, "team_id"),
        ("workers.csv", 5, "role"),
        ("workers.csv", 5, "fte"),
        ("children.csv", 2, "category"),
        ("children.csv", 2, "worker_id"),
        ("reductions.csv", 2, "fraction"),
        ("reductions.csv", 2, "reason"),
        ("reductions.csv", 2, "from"),
    ]


# --- workbooks --------------------------------------------------------------------


def make_workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def csv_rows(table: str) -> list[list[object]]:
    return list(csv.reader(io.StringIO(textwrap.dedent(VALID_CSV[table]))))


def test_workbook_reads_like_the_folder(tmp_path):
    """An .xlsx workbook with typed cells (numbers, dates, booleans) reads like the CSV folder."""
    workers = csv_rows("workers")
    workers[3][3], workers[3][4] = 0.6, date(2024, 9, 1)  # W2: fte number, asye_start date
    workers[4][5], workers[4][6] = 12, False  # W3: max_children number, accepting boolean
    children = csv_rows("children")
    children[3][5] = 1.5
    book = make_workbook(
        tmp_path / "data.xlsx",
        {"Teams": csv_rows("teams"), "workers": workers, "children": children, "notes": [["x"]]},
    )
    from_book = read_data(book)
    from_folder = read_data(write_folder(tmp_path / "folder"))
    assert from_book == from_folder.model_copy(update={"source": str(book)})


def test_workbook_problems_name_the_sheet(tmp_path):
    """Problems in a workbook name the sheet as file[sheet], with spreadsheet row numbers."""
    workers = csv_rows("workers")
    workers[2][3] = 1.5
    book = make_workbook(tmp_path / "data.xlsx", {"teams": csv_rows("teams"), "workers": workers})
    assert located(book) == [("data.xlsx[workers]", 3, "fte"), ("data.xlsx[children]", None, None)]


def test_damaged_workbook(tmp_path):
    """A file named .xlsx that is not a workbook is one problem naming it."""
    book = tmp_path / "data.xlsx"
    book.write_text("not a workbook")
    assert located(book) == [("data.xlsx", None, None)]


# --- writing a data folder --------------------------------------------------------


def test_write_data_round_trip(tmp_path):
    """read_data(write_data(data)) gives the data back, floats and dates exactly."""
    data = ProblemData(
        teams=(Team(team_id="007", service="cin", manager_id="M1", name='Team "Seven", north'),),
        workers=(
            Worker(worker_id="M1", team_id="007", role=Role.TEAM_MANAGER, fte=1),
            Worker(worker_id="W1", team_id="007", role=Role.ASYE, fte=0.1 + 0.2,
                   asye_start=date(2024, 9, 1), max_children=0, accepting=False,
                   skills=frozenset({"dv", "bsl"}), name="Zoë\nSmith"),
        ),
        children=(
            Child(child_id="C1", team_id="007", category="cin", worker_id="W1", weight=1e-7,
                  level=4, flags=frozenset({"court"}), distance_miles=0,
                  previous_worker_id="M1", referred_on=date(2024, 2, 29)),
            Child(child_id="C2", team_id="007", category="respite", weight=99.789),
        ),
        reductions=(Reduction(worker_id="W1", fraction=0.25, reason="phased return",
                              start=date(2024, 1, 1)),),
    )  # fmt: skip
    out = tmp_path / "data"
    write_data(data, out)
    assert read_data(out) == data.model_copy(update={"source": str(out)})
    text = (out / "workers.csv").read_text("utf-8")
    assert "W1,007,asye,0.30000000000000004,2024-09-01,0,false,bsl;dv," in text
    assert "M1,007,team_manager,1,,,true,,," in text


def test_write_data_omits_empty_reductions(tmp_path):
    """Without reductions, write_data writes only the three required files (and its marker)."""
    write_data(read_data(write_folder(tmp_path / "in")), tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        ".caseload", "children.csv", "teams.csv", "workers.csv",
    ]  # fmt: skip


def test_write_data_never_replaces_a_users_data_folder(tmp_path):
    """A data folder exported by the user (no marker) is not overwritten by write_data."""
    user = write_folder(tmp_path / "export")
    before = (user / "teams.csv").read_bytes()
    with pytest.raises(OutputError, match="caseload did not write"):
        write_data(read_data(user), user)
    assert (user / "teams.csv").read_bytes() == before


# --- property: any corruption of a valid folder is a located problem -------------

REQUIRED = {t.name: [c.name for c in t.columns if c.required] for t in TABLES[:3]}
NUMBERS = {"workers": ["fte", "max_children"], "children": ["weight", "level", "distance_miles"]}
DATES = {"workers": ["asye_start"], "children": ["referred_on"]}
KEYS = {"teams": "team_id", "workers": "worker_id", "children": "child_id"}


FREE_TEXT = {"teams": "name", "workers": "name"}
OPEN_QUOTE = "\x01"
EXTRA = "\x02extra"
KINDS = ["blank", "text", "number", "duplicate", "team", "drop", "date", "quote", "extra",
         "encoding", "label"]  # fmt: skip


@st.composite
def corruptions(draw):
    """A valid folder as rows of dicts, one corruption applied, the file and column it hits
    (``None`` for a whole row), and the encoding of each file."""
    tables = {name: list(csv.DictReader(io.StringIO(textwrap.dedent(VALID_CSV[name]))))
              for name in REQUIRED}  # fmt: skip
    encodings = dict.fromkeys(tables, "utf-8")
    kind = draw(st.sampled_from(KINDS))
    name = draw(st.sampled_from(["teams", "workers", "children"]))
    if kind in ("text", "number", "date"):
        name = draw(st.sampled_from(sorted(DATES if kind == "date" else NUMBERS)))
    elif kind in ("quote", "encoding"):
        name = draw(st.sampled_from(sorted(FREE_TEXT)))
    elif kind == "label":
        name = "children"
    rows = tables[name]
    row = draw(st.sampled_from(rows))
    column: str | None
    if kind == "blank":
        column = draw(st.sampled_from(REQUIRED[name]))
        row[column] = draw(st.sampled_from(["", "  "]))
    elif kind == "text":
        column = draw(st.sampled_from(NUMBERS[name]))
        row[column] = draw(st.sampled_from(["abc", "1,5", "one", "NaN", "inf", "1..2", "50%"]))
    elif kind == "number":
        column = draw(st.sampled_from(NUMBERS[name]))
        row[column] = draw(st.sampled_from(["1e20", "-inf", "nan", "true", "1e400", "-0.5"]))
    elif kind == "date":
        column = draw(st.sampled_from(DATES[name]))
        row[column] = draw(
            st.sampled_from(["1/9/2024", "2024-9-1", "2024-02-30", "x", "09/13/2024", "45321"])
        )
    elif kind == "duplicate":
        column = KEYS[name]
        rows.insert(draw(st.integers(0, len(rows))), dict(row))
    elif kind == "team":
        name = draw(st.sampled_from(["workers", "children"]))
        column = "team_id"
        draw(st.sampled_from(tables[name]))["team_id"] = draw(st.sampled_from(["T9", "07", "t2"]))
    elif kind == "quote":  # a quote opened in a free-text cell and never closed
        column = None
        row = draw(st.sampled_from(rows[:-1]))
        row[FREE_TEXT[name]] = OPEN_QUOTE + (row[FREE_TEXT[name]] or "x")
    elif kind == "extra":
        column = None
        row[EXTRA] = draw(st.sampled_from(["x", "0", "note, more"]))
    elif kind == "encoding":
        column = None
        row[FREE_TEXT[name]] = "Zoë Brontë"
        encodings[name] = draw(st.sampled_from(["cp1252", "latin-1"]))
    elif kind == "label":  # a protected flag mistyped: the ASYE exclusion depends on it
        column = "flags"
        row["flags"] = draw(st.sampled_from(["Court proceedings", "courts", "COURT-ORDER"]))
    else:
        column = draw(st.sampled_from(REQUIRED[name]))
        for r in rows:
            del r[column]
    return tables, encodings, name, column


@settings(max_examples=120, deadline=None)
@given(corruptions())
def test_any_corruption_is_a_located_problem(case):
    """One corruption of a valid folder is an InputError at its file and column, never a loss."""
    tables, encodings, name, column = case
    files: dict[str, bytes] = {}
    for table, rows in tables.items():
        header = [c for c in rows[0] if c != EXTRA]
        stream = io.StringIO()
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([row[c] for c in header] + ([row[EXTRA]] if EXTRA in row else []))
        text = stream.getvalue().replace(OPEN_QUOTE, '"')  # unescaped, as a person types it
        files[table] = text.encode(encodings[table])
    with tempfile.TemporaryDirectory() as folder, pytest.raises(InputError) as caught:
        read_data(write_folder(Path(folder), **files), DEFAULT)
    found = caught.value.problems
    assert found and all(p.file.endswith(".csv") and p.severity == "error" for p in found)
    assert any(p.file == f"{name}.csv" and p.column == column for p in found)
    assert all(p.row is not None or p.column is None for p in found)


@st.composite
def resaves(draw):
    """How a spreadsheet may save the valid folder: separator, line ends, byte-order mark,
    date form, time part, label case."""
    return {
        "delimiter": draw(st.sampled_from([",", ";", "\t"])),
        "newline": draw(st.sampled_from(["\n", "\r\n"])),
        "bom": draw(st.booleans()),
        "day_first": draw(st.booleans()),
        "time": draw(st.sampled_from(["", " 00:00:00", " 00:00"])),
        "upper": draw(st.booleans()),
    }


@settings(max_examples=40, deadline=None)
@given(resaves())
def test_any_resave_of_a_valid_folder_reads_the_same(how):
    """Re-saved with ';' or tabs, CRLF, a BOM, day-first dates or capitals, the data is the same."""
    files = {}
    for name, text in VALID_CSV.items():
        rows = list(csv.reader(io.StringIO(textwrap.dedent(text))))
        out = io.StringIO()
        writer = csv.writer(out, delimiter=how["delimiter"], lineterminator=how["newline"])
        writer.writerow(rows[0])
        for row in rows[1:]:
            cells = []
            for header, cell in zip(rows[0], row, strict=True):
                if re.fullmatch(r"\d{4}-\d{2}-\d{2}", cell):
                    y, m, d = cell.split("-")
                    cell = (f"{d}/{m}/{y}" if how["day_first"] else cell) + how["time"]
                elif how["delimiter"] != "," and re.fullmatch(r"\d+\.\d+", cell):
                    cell = cell.replace(".", ",")
                elif how["upper"] and header in ("service", "category", "flags", "role"):
                    cell = cell.upper()
                cells.append(cell)
            writer.writerow(cells)
        files[name] = (("\ufeff" if how["bom"] else "") + out.getvalue()).encode()
    with tempfile.TemporaryDirectory() as folder:
        resaved = read_data(write_folder(Path(folder), **files), DEFAULT)
        clean = read_data(write_folder(Path(folder) / "clean"), DEFAULT)
    assert resaved.model_copy(update={"source": ""}) == clean.model_copy(update={"source": ""})


# --- real exports: delimiters, encodings, quotes, sizes ----------------------------


def semicolon(text: str) -> str:
    """A CSV text as a European Excel saves it: ';' between cells, decimal commas."""
    rows = list(csv.reader(io.StringIO(textwrap.dedent(text))))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for i, row in enumerate(rows):
        writer.writerow(row if i == 0 else [re.sub(r"^(\d+)\.(\d+)$", r"\1,\2", c) for c in row])
    return out.getvalue()


def test_semicolon_file_with_decimal_commas_reads_like_the_comma_file(tmp_path):
    """A ';'-separated export with decimal commas (0,6) reads as the same data."""
    files = {name: semicolon(text) for name, text in VALID_CSV.items()}
    assert ";" in files["workers"] and "0,6" in files["workers"]
    from_semicolon = read_data(write_folder(tmp_path / "semi", **files))
    from_comma = read_data(write_folder(tmp_path / "comma"))
    assert from_semicolon.model_copy(update={"source": ""}) == from_comma.model_copy(
        update={"source": ""}
    )


def test_tab_separated_utf16_file_is_read(tmp_path):
    """Excel's 'Unicode text' (UTF-16 with a byte-order mark, tab-separated) is read."""
    teams = textwrap.dedent(VALID_CSV["teams"]).replace(",", "\t").encode("utf-16")
    data = read_data(write_folder(tmp_path, teams=teams))
    assert [t.team_id for t in data.teams] == ["007", "T2"]


def test_decimal_comma_is_not_read_in_a_comma_file(tmp_path):
    """In a comma-separated file a quoted '0,6' is not a number: nothing is guessed."""
    workers = replace("workers", "asye,0.6,", 'asye,"0,6",')
    [problem] = problems(write_folder(tmp_path, workers=workers))
    assert (problem.row, problem.column) == (4, "fte")


def test_workbook_saved_with_a_csv_name(tmp_path):
    """An .xlsx file named children.csv is named as a workbook, not as bad UTF-8."""
    book = make_workbook(tmp_path / "book.xlsx", {"children": csv_rows("children")})
    [problem] = problems(write_folder(tmp_path / "data", children=book.read_bytes()))
    assert problem.file == "children.csv" and "Excel workbook" in problem.message


def test_nul_byte_is_a_problem_naming_the_row(tmp_path):
    """A NUL byte (a binary file) is a problem on its line, not a crash."""
    children = textwrap.dedent(VALID_CSV["children"]).replace("C2,", "C\x002,").encode()
    [problem] = problems(write_folder(tmp_path, children=children))
    assert (problem.file, problem.row) == ("children.csv", 3)


def test_open_quote_that_swallows_rows_stops_naming_the_line(tmp_path):
    """A quote left open in a free-text cell never loses the rows after it silently."""
    workers = replace("workers", "north,Wanda", 'north,"Wanda')
    found = problems(write_folder(tmp_path, workers=workers))
    quote = [p for p in found if "quote" in p.message]
    assert [(p.file, p.row) for p in quote] == [("workers.csv", 3)]
    assert "opened on line 3" in quote[0].message and "2 later lines" in quote[0].message


def test_open_quote_closed_later_names_both_lines(tmp_path):
    """A quote closed some lines later names where it opened and where it closed."""
    teams = 'team_id,service,manager_id,name\n007,cin,M1,"Team Seven\nT2,cla,,Looked"\nT3,cla,,x\n'
    [problem] = [p for p in problems(write_folder(tmp_path, teams=teams)) if "quote" in p.message]
    assert (problem.file, problem.row) == ("teams.csv", 2)
    assert "opened on line 2 is not closed until line 3" in problem.message


def test_a_quoted_line_break_in_a_name_is_kept(tmp_path):
    """A quoted name spanning two lines (no row inside it) is read as one cell."""
    teams = 'team_id,service,manager_id,name\n007,cin,M1,"Team\nSeven"\nT2,cla,,x\n'
    data = read_data(write_folder(tmp_path, teams=teams))
    assert data.teams[0].name == "Team\nSeven" and len(data.teams) == 2


def test_a_cell_over_128_kb_is_read(tmp_path):
    """A huge free-text cell (the csv module's default limit is 128 KB) is read whole."""
    note = "x" * 300_000
    workers = replace("workers", "north,Wanda", f'north,"{note}"')
    data = read_data(write_folder(tmp_path, workers=workers))
    assert data.workers[1].name == note


def test_workers_with_only_required_columns_locates_the_asye_problem(tmp_path):
    """Without an asye_start column, an ASYE worker's problem names file, row and column."""
    workers = "worker_id,team_id,role,fte\nM1,007,team_manager,1\nW1,007,asye,1\n"
    children = "child_id,team_id,category\n"
    assert located(write_folder(tmp_path, workers=workers, children=children)) == [
        ("workers.csv", 3, "asye_start")
    ]


def test_missing_required_column_suggests_a_misspelt_header(tmp_path):
    """A missing required column names a header that looks like it."""
    teams = "team_id,servce\n007,cin\nT2,cla\n"
    [problem] = problems(write_folder(tmp_path, teams=teams))
    assert (problem.row, problem.column) == (1, "service") and "'servce'" in problem.message


@pytest.mark.parametrize("names", [["children", "Children "], ["workers", " Workers"]])
def test_workbook_with_two_sheets_of_one_name_is_a_problem(tmp_path, names):
    """Two sheets that differ only by case or spaces are named, not one silently used."""
    sheets = {"teams": csv_rows("teams"), "workers": csv_rows("workers")}
    sheets.update({"children": csv_rows("children")})
    table = names[0].strip().lower()
    sheets.pop(table)
    for name in names:
        sheets[name] = csv_rows(table)
    book = make_workbook(tmp_path / "data.xlsx", sheets)
    [problem] = problems(book)
    assert problem.file == f"data.xlsx[{table}]"
    assert all(repr(n) in problem.message for n in names)


# --- dates ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "day"),
    [("2024-11-03", date(2024, 11, 3)), ("03/11/2024", date(2024, 11, 3)),
     ("2024-11-03 00:00:00", date(2024, 11, 3)), ("2024-11-03T14:30", date(2024, 11, 3)),
     ("03/11/2024 00:00", date(2024, 11, 3))],
)  # fmt: skip
def test_dates_iso_or_day_first_never_month_first(tmp_path, text, day):
    """ISO dates and DD/MM/YYYY are read as written; 2024-11-03 is never 11 March."""
    children = replace("children", "2024-10-01", text)
    children = children.replace("2024-11-02", "03/11/2024" if "/" in text else "2024-11-03")
    warned: list[InputProblem] = []
    data = read_data(write_folder(tmp_path, children=children), warnings=warned)
    assert data.children[0].referred_on == day
    has_time = " " in text or "T" in text
    assert [(p.row, p.column) for p in warned] == ([(2, "referred_on")] if has_time else [])


def test_many_dates_with_a_time_are_one_warning(tmp_path):
    """A time of day on many rows is summed up in one warning line with the count."""
    rows = "".join(f"C{i},007,cin,,,,,,,,,,2026-11-{i:02d} 00:00:00\n" for i in range(4, 14))
    warned: list[InputProblem] = []
    read_data(write_folder(tmp_path, children=with_row("children", rows.rstrip())), warnings=warned)
    assert len(warned) == 10
    [line] = describe_problems(warned)
    assert line.startswith("children.csv, column referred_on, 10 rows (5, 6, 7, 8, 9, ...): ")
    assert "time of day; read as a date" in line


def test_mixed_date_forms_name_the_rows(tmp_path):
    """A column mixing ISO and DD/MM/YYYY dates is read, with a warning naming the rows."""
    children = replace("children", "2024-11-02", "02/11/2024")
    warned: list[InputProblem] = []
    data = read_data(write_folder(tmp_path, children=children), warnings=warned)
    assert data.children[1].referred_on == date(2024, 11, 2)
    [warning] = warned
    assert (warning.file, warning.column, warning.severity) == (
        "children.csv",
        "referred_on",
        "warning",
    )
    assert (
        "YYYY-MM-DD on 1 row (2)" in warning.message
        and "DD/MM/YYYY on 1 row (3)" in warning.message
    )


def test_workbook_date_cells_with_a_time_are_dates(tmp_path):
    """Excel date cells, with or without a time of day, are read as dates."""
    from datetime import datetime

    children = csv_rows("children")
    children[1][12] = datetime(2024, 10, 1, 0, 0)
    children[2][12] = datetime(2024, 11, 2, 9, 15)
    book = make_workbook(
        tmp_path / "data.xlsx",
        {"teams": csv_rows("teams"), "workers": csv_rows("workers"), "children": children},
    )
    data = read_data(book)
    assert [c.referred_on for c in data.children[:2]] == [date(2024, 10, 1), date(2024, 11, 2)]


# --- labels --------------------------------------------------------------------------


def test_labels_are_matched_without_regard_to_case_and_spaces(tmp_path):
    """'Court ', 'CP', 'CIN' and 'BSL' are the policy's court, cp, cin and the skill bsl."""
    teams = replace("teams", "007,cin", "007, CIN ")
    children = replace(
        "children", "C2,007,cp,,F1,,3,court;missing", "C2,007,CP,,F1,,3, Court ;MISSING"
    )
    children += "C4,007,cin,,,,,,,,BSL,,\n"
    warned: list[InputProblem] = []
    data = read_data(
        write_folder(tmp_path, teams=teams, children=children), DEFAULT, warnings=warned
    )
    assert data.teams[0].service == "cin"
    assert (data.children[1].category, data.children[1].flags) == (
        "cp",
        frozenset({"court", "missing"}),
    )
    assert data.children[3].required_skill == "bsl"
    assert warned == []


def test_unknown_protected_flag_is_an_error_with_the_closest_label(tmp_path):
    """'Court proceedings' under an ASYE exclusion of court is an error: did you mean 'court'?"""
    children = replace("children", "court;missing", "Court proceedings;missing")
    [problem] = problems(write_folder(tmp_path, children=children), ASYE_PROTECTIONS)
    assert (problem.file, problem.row, problem.column) == ("children.csv", 3, "flags")
    assert "unknown flag 'court proceedings': did you mean 'court'?" in problem.message
    assert "ASYE exclusion" in problem.message


def test_unknown_flag_is_a_warning_when_no_protection_depends_on_it(tmp_path):
    """A stray flag near an unprotected one is read, with a warning naming the closest."""
    children = replace("children", "court;missing", "court;Substnace")
    warned: list[InputProblem] = []
    data = read_data(write_folder(tmp_path, children=children), DEFAULT, warnings=warned)
    assert "substnace" in data.children[1].flags
    [warning] = warned
    assert (warning.row, warning.column, warning.severity) == (3, "flags", "warning")
    assert "did you mean 'substance'?" in warning.message


def test_without_the_asye_protection_a_stray_court_label_is_a_warning(tmp_path):
    """With no protection depending on 'court', the stray label is only a warning."""
    policy = DEFAULT.model_copy(
        update={
            "asye": DEFAULT.asye.model_copy(update={"excluded": ()}),
            "priorities": DEFAULT.priorities.model_copy(update={"statutory_flags": ()}),
        }
    )
    children = replace("children", "court;missing", "courts;missing")
    warned: list[InputProblem] = []
    read_data(write_folder(tmp_path, children=children), policy, warnings=warned)
    assert [(w.row, w.column, w.severity) for w in warned] == [(3, "flags", "warning")]


def test_unknown_category_with_a_weight_is_a_warning_and_near_a_protected_one_an_error(tmp_path):
    """A category outside the policy is read when weighted, unless it looks like a protected one."""
    warned: list[InputProblem] = []
    children = with_row("children", "C4,T2,respite,,,0.5,,,,,,,")
    read_data(write_folder(tmp_path / "a", children=children), DEFAULT, warnings=warned)
    assert [(w.row, w.column, w.severity) for w in warned] == [(5, "category", "warning")]
    children = with_row("children", "C4,T2,c.p.,,,0.5,,,,,,,")
    [problem] = problems(write_folder(tmp_path / "b", children=children), DEFAULT)
    assert (problem.row, problem.column) == (
        5,
        "category",
    ) and "did you mean 'cp'?" in problem.message


def test_unknown_service_suggests_the_closest(tmp_path):
    """An unknown service names the closest service of the policy."""
    teams = replace("teams", "T2,cla", "T2,Children In Care")
    [problem] = problems(write_folder(tmp_path, teams=teams), DEFAULT)
    assert problem.column == "service"


def test_required_skill_nobody_has_is_a_warning(tmp_path):
    """A required skill no worker has is read, with a warning naming the closest skill."""
    children = with_row("children", "C4,007,cin,,,,,,,,life story,,")
    warned: list[InputProblem] = []
    read_data(write_folder(tmp_path, children=children), warnings=warned)
    [warning] = warned
    assert (warning.row, warning.column) == (5, "required_skill")
    assert "did you mean 'life_story'?" in warning.message


# --- numbers out of range -------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "old", "new", "column"),
    [("workers", "0.8,,12,", "0.8,,1e20,", "max_children"),
     ("workers", "0.8,,12,", "0.8,,inf,", "max_children"),
     ("workers", "social_worker,1,", "social_worker,nan,", "fte"),
     ("workers", "social_worker,1,", "social_worker,true,", "fte"),
     ("children", "C3,T2,cla,W3,,1.5", "C3,T2,cla,W3,,1e20", "weight"),
     ("children", "C3,T2,cla,W3,,1.5", "C3,T2,cla,W3,,-inf", "weight"),
     ("children", "missing,25,", "missing,1e308,", "distance_miles"),
     ("children", ",,3,court", ",,1e3,court", "level")],
)  # fmt: skip
def test_huge_and_non_finite_numbers_are_located_problems(tmp_path, table, old, new, column):
    """1e20, inf, nan and true in a number column are problems at that cell."""
    [problem] = problems(write_folder(tmp_path, **{table: replace(table, old, new)}))
    assert (problem.file, problem.column) == (f"{table}.csv", column)


def test_warnings_go_to_the_list_given_even_when_reading_fails(tmp_path):
    """Warnings reach the caller's list while the errors are raised."""
    children = replace("children", "2024-10-01", "2024-10-01 10:00").replace("W3,,1.5", "W3,,0")
    warned: list[InputProblem] = []
    with pytest.raises(InputError) as caught:
        read_data(write_folder(tmp_path, children=children), warnings=warned)
    assert [(p.row, p.column, p.severity) for p in caught.value.problems] == [
        (4, "weight", "error")
    ]
    assert [(p.row, p.column, p.severity) for p in warned] == [(2, "referred_on", "warning")]


def test_progress_is_reported_per_file(tmp_path):
    """The progress callback hears of every file's rows, ending at the total."""
    calls: list[tuple[str, int, int]] = []
    read_data(write_folder(tmp_path), progress=lambda *call: calls.append(call))
    assert calls == [("teams.csv", 2, 2), ("workers.csv", 4, 4), ("children.csv", 3, 3)]


def test_records_across_teams_are_warnings_naming_the_rows(tmp_path):
    """A family referred to two teams, and a child held by another team's worker, are warned."""
    children = with_row("children", "C4,T2,cla,W1,F1,,,,,,,,")
    warnings: list[InputProblem] = []
    read_data(write_folder(tmp_path, children=children), warnings=warnings)
    found = {(w.file, w.row, w.column) for w in warnings}
    # C4 (row 5) is in T2 but in C1's family (T 007), and held by W1 of team 007.
    assert ("children.csv", 5, "family_id") in found
    assert ("children.csv", 5, "worker_id") in found
    assert all(w.severity == "warning" for w in warnings)


def test_a_child_pinned_twice_or_pinned_where_forbidden_is_named_with_both_rows(tmp_path):
    """Two pins for C2, and a pin against a forbid: each row named, with the row it clashes with."""
    adjustments = """\
        action,worker_id,child_id,reason
        pin,W1,C2,continuity
        pin,W2,C2,other
        forbid,W1,C2,conflict of interest
        """
    found = problems(write_folder(tmp_path, adjustments=adjustments))
    assert [(p.file, p.row, p.column, p.message) for p in found] == [
        (
            "adjustments.csv",
            2,
            "worker_id",
            "C2 is pinned to W1 here and forbidden from them on row 4; keep one",
        ),
        (
            "adjustments.csv",
            3,
            "child_id",
            "C2 is pinned twice: to W2 here and to W1 on row 2; keep one pin",
        ),
    ]
