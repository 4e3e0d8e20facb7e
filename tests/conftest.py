"""Shared test helpers: tiny data folders written from CSV text."""

from __future__ import annotations

import textwrap
from pathlib import Path

# A small valid data folder. `007` checks that IDs stay strings.
VALID_CSV = {
    "teams": """\
        team_id,service,manager_id,name
        007,cin,M1,Team Seven
        T2,cla,,Looked After
        """,
    "workers": """\
        worker_id,team_id,role,fte,asye_start,max_children,accepting,skills,locality,name
        M1,007,team_manager,1,,,,,,Mo
        W1,007,social_worker,1,,,true,dv;bsl,north,Wanda
        W2,007,asye,0.6,2024-09-01,,,,,Ash
        W3,T2,senior_practitioner,0.8,,12,no,life_story,,Sam
        """,
    "children": """\
        child_id,team_id,category,worker_id,family_id,weight,level,flags,distance_miles,previous_worker_id,required_skill,locality,referred_on
        C1,007,cin,W1,F1,,2,dv,,,,north,2024-10-01
        C2,007,cp,,F1,,3,court;missing,25,W1,,,2024-11-02
        C3,T2,cla,W3,,1.5,,,,,,,
        """,
}


def write_folder(folder: Path, **files: str | bytes | None) -> Path:
    """Write a data folder: ``name=text`` writes ``name.csv`` (text dedented, UTF-8).

    ``teams``, ``workers`` and ``children`` default to ``VALID_CSV``; pass
    ``None`` to leave a file out, ``bytes`` to write raw bytes.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in {**VALID_CSV, **files}.items():
        file = folder / f"{name}.csv"
        if isinstance(content, bytes):
            file.write_bytes(content)
        elif content is not None:
            file.write_text(textwrap.dedent(content), encoding="utf-8")
    return folder
