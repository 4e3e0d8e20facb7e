"""A corpus of malformed, odd and interrupted runs of ``caseload``, each through the
command line: exit 2 naming file, row and column, or a correct proposal; never a
silent loss, a traceback or a half-written folder.

Each case changes the small valid folder of ``tests.support`` (or the command's
options) in one way an export, a spreadsheet or a person does.
"""

from __future__ import annotations

import csv
import errno
import io
import re
import textwrap
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner, Result

from caseload.cli import main
from tests.support import VALID_CSV

AS_OF = ["--as-of", "2026-11-23"]
QUICK = ["--work-limit", "2", "--time-limit", "20"]
CHILDREN = ["C1", "C2", "C3"]


def text(table: str) -> str:
    return textwrap.dedent(VALID_CSV[table])


def sub(table: str, old: str, new: str) -> dict[str, str | bytes]:
    """The folder with one change in ``table``."""
    assert old in text(table), old
    return {table: text(table).replace(old, new, 1)}


def add(table: str, row: str) -> dict[str, str | bytes]:
    """The folder with one more row in ``table``."""
    return {table: text(table) + row + "\n"}


def resave(delimiter: str = ",", decimal_comma: bool = False, day_first: bool = False,
           time: str = "", encoding: str = "utf-8", newline: str = "\n",
           bool_case: bool = False) -> dict[str, str | bytes]:  # fmt: skip
    """Every file as a spreadsheet saves it."""
    files: dict[str, str | bytes] = {}
    for table in VALID_CSV:
        rows = list(csv.reader(io.StringIO(text(table))))
        out = io.StringIO()
        writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
        writer.writerow(rows[0])
        for row in rows[1:]:
            cells = []
            for cell in row:
                if re.fullmatch(r"\d{4}-\d{2}-\d{2}", cell):
                    y, m, d = cell.split("-")
                    cell = (f"{d}/{m}/{y}" if day_first else cell) + time
                elif decimal_comma and re.fullmatch(r"\d+\.\d+", cell):
                    cell = cell.replace(".", ",")
                elif bool_case and cell in ("true", "no"):
                    cell = cell.upper()
                cells.append(cell)
            writer.writerow(cells)
        files[table] = out.getvalue().encode(encoding)
    return files


@dataclass
class Case:
    """One malformed or odd input, and what the command must do with it."""

    name: str
    files: dict[str, str | bytes | None] = field(default_factory=dict)
    where: tuple[str, int | None, str | None] | None = None
    """File, row and column named in the error; ``None``: a proposal is expected."""
    args: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=lambda: list(CHILDREN))
    """Children the proposal must hold, in order (every row of children.csv)."""
    says: str = ""
    """Words the output must hold (a warning, a suggestion)."""


CASES = [
    # --- encodings
    Case("cp1252 name", {"workers": text("workers").replace("Wanda", "Zoë").encode("cp1252")},
         ("workers.csv", 3, None), says="save it as 'CSV UTF-8'"),
    Case("latin-1 team name",
         {"teams": text("teams").replace("Seven", "Sévén").encode("latin-1")},
         ("teams.csv", 2, None)),
    Case("utf-8 with BOM", {"teams": "\ufeff" + text("teams")}),
    Case("utf-16 tab text", resave("\t", encoding="utf-16")),
    Case("workbook named .csv", {"children": b"PK\x03\x04" + b"\x00" * 40},
         ("children.csv", None, None), says="Excel workbook"),
    Case("NUL byte", {"teams": text("teams").replace("Seven", "Se\x00ven")},
         ("teams.csv", 2, None)),
    # --- delimiters and line ends
    Case("semicolons", resave(";")),
    Case("semicolons, decimal commas", resave(";", decimal_comma=True)),
    Case("tabs, decimal commas", resave("\t", decimal_comma=True)),
    Case("pipes", resave("|")),
    Case("CRLF line ends", resave(newline="\r\n")),
    Case("old Mac line ends", {"teams": text("teams").replace("\n", "\r")}),
    Case("one row with semicolons", sub("children", "C3,T2,cla,W3,,1.5", "C3;T2;cla;W3;;1.5"),
         ("children.csv", 4, "team_id")),
    Case("decimal comma in a comma file", sub("workers", "asye,0.6,", 'asye,"0,6",'),
         ("workers.csv", 4, "fte")),
    # --- quoting
    Case("quote left open mid-file", sub("workers", "north,Wanda", 'north,"Wanda'),
         ("workers.csv", 3, None), says="is not closed"),
    Case("quote left open in teams", sub("teams", "Team Seven", '"Team Seven'),
         ("teams.csv", 2, None), says="is not closed"),
    Case("quote closed rows later", {"teams": 'team_id,service,manager_id,name\n'
                                     '007,cin,M1,"Seven\nT2,cla,,After"\nT3,cla,,x\n'},
         ("teams.csv", 2, None), says="not closed until line 3"),
    Case("quoted line break in a name", sub("teams", "Team Seven", '"Team\nSeven"')),
    Case("doubled quotes in a name", sub("teams", "Team Seven", '"Team ""Seven"""')),
    Case("quote inside a cell", sub("workers", "Wanda", 'Wan"da')),
    Case("comma inside a quoted name", sub("teams", "Team Seven", '"Seven, North"')),
    # --- dates
    Case("day-first dates", resave(day_first=True)),
    Case("dates with a time part", resave(time=" 00:00:00"), says="time of day"),
    Case("UK Excel re-save", resave(day_first=True, time=" 00:00", bool_case=True),
         says="time of day"),
    Case("mixed date forms", sub("children", "2024-11-02", "02/11/2024"), says="two forms"),
    Case("ISO date with T", sub("children", "2024-11-02", "2024-11-02T09:30:00")),
    Case("month-first date", sub("children", "2024-10-01", "10/13/2024"),
         ("children.csv", 2, "referred_on")),
    Case("single-digit date", sub("children", "2024-10-01", "1/10/2024"),
         ("children.csv", 2, "referred_on"), says="never month-first"),
    Case("no such day", sub("children", "2024-10-01", "2024-02-30"),
         ("children.csv", 2, "referred_on")),
    Case("Excel serial number", sub("workers", "2024-09-01", "45536"),
         ("workers.csv", 4, "asye_start")),
    Case("two-digit year", sub("children", "2024-10-01", "01/10/24"),
         ("children.csv", 2, "referred_on")),
    Case("written month", sub("children", "2024-10-01", "1 Oct 2024"),
         ("children.csv", 2, "referred_on")),
    # --- numbers
    Case("fte 1e20", sub("workers", "W1,007,social_worker,1,", "W1,007,social_worker,1e20,"),
         ("workers.csv", 3, "fte")),
    Case("fte inf", sub("workers", "W1,007,social_worker,1,", "W1,007,social_worker,inf,"),
         ("workers.csv", 3, "fte")),
    Case("fte nan", sub("workers", "W1,007,social_worker,1,", "W1,007,social_worker,nan,"),
         ("workers.csv", 3, "fte")),
    Case("fte true", sub("workers", "W1,007,social_worker,1,", "W1,007,social_worker,TRUE,"),
         ("workers.csv", 3, "fte")),
    Case("fte 60%", sub("workers", "asye,0.6,", "asye,60%,"), ("workers.csv", 4, "fte")),
    Case("fte .5", sub("workers", "asye,0.6,", "asye,.5,")),
    Case("max_children 1e20", sub("workers", "0.8,,12,", "0.8,,1e20,"),
         ("workers.csv", 5, "max_children")),
    Case("max_children 2.5", sub("workers", "0.8,,12,", "0.8,,2.5,"),
         ("workers.csv", 5, "max_children")),
    Case("max_children 12.0", sub("workers", "0.8,,12,", "0.8,,12.0,")),
    Case("weight 1e20", sub("children", "W3,,1.5", "W3,,1e20"), ("children.csv", 4, "weight")),
    Case("weight -inf", sub("children", "W3,,1.5", "W3,,-inf"), ("children.csv", 4, "weight")),
    Case("weight 100", sub("children", "W3,,1.5", "W3,,100")),
    Case("level 1e3", sub("children", ",,3,court", ",,1e3,court"), ("children.csv", 3, "level")),
    Case("distance 1e308", sub("children", "missing,25,", "missing,1e308,"),
         ("children.csv", 3, "distance_miles")),
    Case("reduction fraction nan", {"reductions": "worker_id,fraction,reason\nW1,nan,leave\n"},
         ("reductions.csv", 2, "fraction")),
    # --- sizes
    Case("name of 300 KB", sub("workers", "Wanda", "W" * 300_000)),
    Case("note column of 1 MB", {"teams": "team_id,service,notes\n007,cin," + "n" * 1_000_000
                                 + "\nT2,cla,\n"}),
    Case("many blank rows", {"children": text("children") + ",,,,\n" * 2000}),
    # --- missing and extra columns, headers
    Case("missing required column", {"teams": "team_id\n007\nT2\n"}, ("teams.csv", 1, "service")),
    Case("only required worker columns", {
        "workers": "worker_id,team_id,role,fte\nM1,007,team_manager,1\nW1,007,social_worker,1\n"
                   "W2,007,asye,0.6\nW3,T2,senior_practitioner,0.8\n"},
         ("workers.csv", 4, "asye_start")),
    Case("misspelt header", {"teams": "team_id,servcie\n007,cin\nT2,cla\n"},
         ("teams.csv", 1, "service"), says="'servcie'"),
    Case("headers in capitals with spaces", {"teams": " Team_ID , SERVICE \n007,cin\nT2,cla\n"}),
    Case("unknown extra column", {"teams": "team_id,service,budget\n007,cin,100\nT2,cla,\n"}),
    Case("cell beyond the header", add("teams", "T3,cla,,x,extra"), ("teams.csv", 4, None)),
    Case("column twice", {"teams": "team_id,service,service\n007,cin,cin\nT2,cla,cla\n"},
         ("teams.csv", 1, "service")),
    Case("short rows", {"teams": "team_id,service,manager_id,name\n007,cin\nT2,cla\n"}),
    # --- duplicates and references
    Case("duplicate child", add("children", "C1,T2,cla,,,,,,,,,,"),
         ("children.csv", 5, "child_id")),
    Case("duplicate worker", add("workers", "W1,T2,social_worker,1,,,,,,"),
         ("workers.csv", 6, "worker_id")),
    Case("duplicate team", add("teams", "007,cla,,"), ("teams.csv", 4, "team_id")),
    Case("unknown team", sub("children", "C3,T2,", "C3,T9,"), ("children.csv", 4, "team_id")),
    Case("id with a leading zero lost", sub("children", "C1,007,", "C1,7,"),
         ("children.csv", 2, "team_id")),
    # --- labels
    Case("flag in capitals", sub("children", "court;missing", "Court;MISSING")),
    Case("protected flag mistyped", sub("children", "court;missing", "Court proceedings;missing"),
         ("children.csv", 3, "flags"), says="did you mean 'court'?"),
    Case("unprotected flag mistyped", sub("children", "court;missing", "court;missng"),
         says="did you mean 'missing'?"),
    Case("category in capitals", sub("children", "C2,007,cp,", "C2,007, CP ,")),
    Case("unknown category, no weight", sub("children", "C2,007,cp,", "C2,007,child protection,"),
         ("children.csv", 3, "category")),
    Case("service in capitals", sub("teams", "T2,cla", "T2,CLA")),
    Case("unknown service", sub("teams", "T2,cla", "T2,looked after"), ("teams.csv", 3, "service")),
    Case("role with a space", sub("workers", "W1,007,social_worker", "W1,007,Social Worker"),
         ("workers.csv", 3, "role")),
    Case("skill in capitals", add("children", "C4,007,cin,,,,,,,,BSL,,"),
         children=[*CHILDREN, "C4"]),
    # --- files
    Case("children.csv missing", {"children": None}, ("children.csv", None, None)),
    Case("empty teams.csv", {"teams": ""}, ("teams.csv", None, None)),
    Case("workers header only", {"workers": text("workers").splitlines()[0] + "\n"},
         ("workers.csv", None, None)),
    Case("children header only", {"children": text("children").splitlines()[0] + "\n"},
         children=[]),
    # --- options
    Case("time limit -1", args=["--time-limit", "-1"], where=("--time-limit", None, None)),
    Case("time limit nan", args=["--time-limit", "nan"], where=("--time-limit", None, None)),
    Case("time limit inf", args=["--time-limit", "inf"], where=("--time-limit", None, None)),
    Case("work limit 0", args=["--work-limit", "0"], where=("--work-limit", None, None)),
    Case("work limit nan", args=["--work-limit", "nan"], where=("--work-limit", None, None)),
    Case("gap limit 1", args=["--gap-limit", "1"], where=("--gap-limit", None, None)),
    Case("gap limit -0.1", args=["--gap-limit", "-0.1"], where=("--gap-limit", None, None)),
    Case("seed 2**40", args=["--seed", str(2**40)], where=("--seed", None, None)),
    Case("seed -1", args=["--seed", "-1"], where=("--seed", None, None)),
    Case("threads -3", args=["--threads", "-3"], where=("--threads", None, None)),
    Case("processes 0", args=["--processes", "0"], where=("--processes", None, None)),
    Case("max moves -1", args=["--rebalance", "--max-moves", "-1"],
         where=("--max-moves", None, None)),
    Case("as-of not a date", args=["--as-of", "2026-02-30"], where=("--as-of", None, None)),
    Case("policy unknown", args=["--policy", "bernet"],
         where=("unknown policy 'bernet'", None, None), says="did you mean 'barnet'?"),
    Case("policy in capitals", args=["--policy", "Default"]),
    Case("release unknown worker", args=["--release", "W99"], where=("--release", None, None)),
]  # fmt: skip


def write(folder: Path, files: dict[str, str | bytes | None]) -> Path:
    folder.mkdir(parents=True)
    for name, content in {**{t: text(t) for t in VALID_CSV}, **files}.items():
        if isinstance(content, bytes):
            (folder / f"{name}.csv").write_bytes(content)
        elif content is not None:
            (folder / f"{name}.csv").write_bytes(content.encode("utf-8"))
    return folder


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def allocations(out: Path) -> list[dict[str, str]]:
    with (out / "allocations.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus(tmp_path, case):
    """Each odd input ends in exit 2 naming file, row and column, or in a full proposal."""
    data = write(tmp_path / "data", case.files)
    out = tmp_path / "out"
    result = run("allocate", data, "--out", out, *AS_OF, *QUICK, *case.args)
    assert not isinstance(result.exception, Exception), result.output  # no crash
    assert "Traceback" not in result.output and "internal error" not in result.output
    assert case.says in result.output, result.output
    if case.where is None:
        assert result.exit_code == 0, result.output
        assert [r["child_id"] for r in allocations(out)] == case.children  # nothing lost
        assert all(r["status"] for r in allocations(out))
        return
    assert result.exit_code == 2, result.output
    file, row, column = case.where
    if row is None and column is None:
        assert file in result.output, result.output
    else:
        located = [f"{file}, row {row}, column {column}:", f"{file}, column {column}, "]
        if column is None:
            located = [f"{file}, row {row}:"]
        assert any(where in result.output for where in located), result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]  # nothing written


# --- workbooks as Excel saves them -----------------------------------------------------


def uk_workbook(folder: Path, path: Path, duplicate: str | None = None) -> Path:
    """A data folder as a UK Excel workbook: numbers, dates (dd/mm/yyyy) and booleans as
    typed cells, identifiers as text."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for file in sorted(folder.glob("*.csv")):
        names = [file.stem] + ([f"{file.stem.title()} "] if file.stem == duplicate else [])
        rows = list(csv.reader(file.open(encoding="utf-8")))
        for name in names:
            sheet = book.create_sheet(name)
            sheet.append(rows[0])
            for row in rows[1:]:
                sheet.append([_typed(h, c) for h, c in zip(rows[0], row, strict=True)])
            for cells in sheet.iter_rows(min_row=2):
                for cell in cells:
                    if isinstance(cell.value, datetime):
                        cell.number_format = "dd/mm/yyyy"
    book.save(path)
    return path


def _typed(header: str, cell: str) -> object:
    if cell == "":
        return None
    if header in ("fte", "weight", "distance_miles", "fraction"):
        return float(cell)
    if header in ("max_children", "level"):
        return int(cell)
    if header in ("accepting",):
        return cell == "true"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", cell):
        return datetime.combine(date.fromisoformat(cell), datetime.min.time())
    return cell


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small example authority (default policy) with 10 new referrals."""
    folder = tmp_path_factory.mktemp("authority") / "data"
    assert run("example", folder, "--fte", "12", "--new", "10").exit_code == 0
    return folder


def test_the_authority_as_uk_workbook_and_semicolon_csv_gives_the_same_proposal(
    authority, tmp_path
):
    """The authority as a UK Excel workbook or a European ';' CSV gives the clean CSV's proposal."""
    book = uk_workbook(authority, tmp_path / "authority.xlsx")
    semi = tmp_path / "semicolon"
    semi.mkdir()
    for file in authority.glob("*.csv"):
        rows = list(csv.reader(file.open(encoding="utf-8")))
        with (semi / file.name).open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, delimiter=";", lineterminator="\r\n")
            writer.writerow(rows[0])
            for row in rows[1:]:
                cells = [re.sub(r"^(\d+)\.(\d+)$", r"\1,\2", c) for c in row]
                cells = [re.sub(r"^(\d{4})-(\d{2})-(\d{2})$", r"\3/\2/\1", c) for c in cells]
                writer.writerow(cells)
    assert re.search(r";0,\d+;", (semi / "workers.csv").read_text())  # a decimal comma
    outs = {}
    for name, data in (("clean", authority), ("xlsx", book), ("semicolon", semi)):
        outs[name] = tmp_path / f"out-{name}"
        result = run("allocate", data, "--out", outs[name], *AS_OF, "--work-limit", "3", "-q")
        assert result.exit_code == 0, result.output
    for name in ("allocations.csv", "workers.csv", "candidates.csv", "findings.csv"):
        clean = (outs["clean"] / name).read_bytes()
        assert (outs["xlsx"] / name).read_bytes() == clean, name
        assert (outs["semicolon"] / name).read_bytes() == clean, name


def test_workbook_with_two_children_sheets_exits_2(authority, tmp_path):
    """Sheets 'children' and 'Children ' are named; neither is silently used."""
    book = uk_workbook(authority, tmp_path / "two.xlsx", duplicate="children")
    result = run("validate", book)
    assert result.exit_code == 2
    assert "two.xlsx[children]: sheets 'children' and 'Children ' both read as" in result.output


# --- output folders that cannot be written ----------------------------------------------


def test_out_under_a_file_exits_2_before_solving(tmp_path):
    """An --out inside a file is a clean error (exit 2), found before the solve."""
    data = write(tmp_path / "data", {})
    (tmp_path / "file").write_text("x")
    result = run("allocate", data, "--out", tmp_path / "file" / "out", *AS_OF)
    assert result.exit_code == 2 and "cannot write" in result.output
    assert "Traceback" not in result.output


def test_permission_denied_exits_2_and_leaves_nothing(tmp_path, monkeypatch):
    """A folder the user may not write in is a clean error (exit 2), nothing left behind."""
    import tempfile

    data = write(tmp_path / "data", {})

    def denied(**kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", kwargs.get("dir"))

    monkeypatch.setattr(tempfile, "mkdtemp", denied)
    result = run("allocate", data, "--out", tmp_path / "out", *AS_OF)
    assert result.exit_code == 2 and "Permission denied" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_disk_full_while_writing_keeps_the_earlier_proposal(tmp_path, monkeypatch):
    """A write failing half-way (disk full) exits 2; the earlier proposal stays whole."""
    import allocator.io.outputs as outputs

    data = write(tmp_path / "data", {})
    out = tmp_path / "out"
    assert run("allocate", data, "--out", out, *AS_OF).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    real = outputs.write_csv

    def full(path, *args, **kwargs):
        if path.name == "candidates.csv":
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(outputs, "write_csv", full)
    result = run("allocate", data, "--out", out, *AS_OF, "--seed", "3")
    assert result.exit_code == 2 and "No space left on device" in result.output
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "out"]
