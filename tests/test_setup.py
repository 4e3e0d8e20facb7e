"""scripts/setup, the README's set-up: what needs the system package manager is never
skipped silently."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support import ROOT


def fake_machine(tmp_path: Path, uid: int, venv_module: bool, version_ok: bool = True) -> dict:
    """A copy of scripts/setup, and a PATH whose ``id``, ``apt-get`` and Python say what
    the test needs (apt-get only records its arguments)."""
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "setup", repo / "scripts" / "setup")
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    scripts = {
        "id": f"#!/bin/sh\necho {uid}\n",
        "apt-get": f'#!/bin/sh\necho "$@" >> {tmp_path}/apt.log\n',
        "python3": "#!/bin/sh\n"
        + ('case "$*" in *ensurepip*) exit 1;; esac\n' if not venv_module else "")
        + ('case "$*" in *version_info*) exit 1;; esac\n' if not version_ok else "")
        + f'exec {sys.executable} "$@"\n',
    }
    for name, text in scripts.items():
        (bin_ / name).write_text(text)
        (bin_ / name).chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_}:{os.environ['PATH']}"}
    env.pop("PYTHON", None)
    return {"cwd": repo, "env": env, "script": str(repo / "scripts" / "setup")}


def run_setup(machine: dict, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", machine["script"], *args],
        cwd=machine["cwd"],
        env=machine["env"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_without_root_it_prints_the_exact_command_and_stops(tmp_path):
    """No venv module and no root: the apt-get line is printed, exit 1, nothing made."""
    machine = fake_machine(tmp_path, uid=1000, venv_module=False)
    done = run_setup(machine, "test")
    assert done.returncode == 1
    assert "  sudo apt-get install -y python3-venv" in done.stderr.splitlines()
    assert not (machine["cwd"] / ".venv").exists()
    assert not (tmp_path / "apt.log").exists()


def test_as_root_it_installs_the_venv_module(tmp_path):
    """As root, the missing venv module is installed with apt-get before going on."""
    machine = fake_machine(tmp_path, uid=0, venv_module=False)
    run_setup(machine)  # goes on to make .venv; its pip install has no project here
    log = (tmp_path / "apt.log").read_text()
    assert "install -y -qq python3-venv" in log


def test_an_old_python_is_named(tmp_path):
    """A Python older than 3.11 stops the set-up with a message naming it."""
    machine = fake_machine(tmp_path, uid=1000, venv_module=True, version_ok=False)
    done = run_setup(machine)
    assert done.returncode == 1 and "needs Python 3.11 or newer" in done.stderr
