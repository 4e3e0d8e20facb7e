"""Writing a data folder: the contract's input files, from a ``ProblemData``."""

from __future__ import annotations

from pathlib import Path

from allocator.io.columns import TABLES
from allocator.io.write import DATA_LAYOUT, atomic_folder, write_csv
from models import ProblemData


def write_data(data: ProblemData, folder: Path | str) -> None:
    r"""Write ``data`` as a contract data folder that ``read_data`` reads back equal.

    Lists are ``;``-joined and sorted, dates ISO, booleans ``true``/``false``,
    numbers in their shortest exact form (``0.6``, ``1``), ``None`` empty.
    ``reductions.csv`` is written only when there are reductions. The folder is
    written atomically; an existing folder is replaced only when caseload wrote
    it as a data folder (its ``.caseload`` marker) and nothing else was added.
    Text the contract cannot carry (surrounding spaces, ``;`` inside a list
    item, empty strings) does not read back unchanged, and labels (services,
    categories, flags, skills) read back lower-case.

    Raises
    ------
    OutputError
        ``folder`` exists and is not an empty folder or a data folder caseload wrote.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from allocator import read_data
    >>> from models import ProblemData, Team
    >>> folder = Path(tempfile.mkdtemp()) / "data"
    >>> data = ProblemData(teams=(Team(team_id="007", service="cin"),), workers=(), children=())
    >>> write_data(data, folder)
    >>> (folder / "teams.csv").read_text()
    'team_id,service,manager_id,name\n007,cin,,\n'
    """
    with atomic_folder(Path(folder), DATA_LAYOUT) as tmp:
        write_data_files(data, tmp)


def write_data_files(data: ProblemData, folder: Path) -> None:
    """The data files of ``data`` into an existing ``folder`` (not atomic on its own)."""
    for table in TABLES:
        items = getattr(data, table.name)
        if table.optional and not items:
            continue
        rows = ({c.name: c.format(getattr(item, c.field)) for c in table.columns} for item in items)
        write_csv(folder / table.file, [c.name for c in table.columns], rows)
