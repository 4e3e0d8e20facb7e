"""What the command prints: the short summary after a run, and a progress line."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

OUTPUT_LISTING = "allocations.csv, workers.csv, summary.json, candidates.csv, findings.csv, input/"


class Progress:
    """A progress line on a terminal, once a solve has run for more than 1.5 s."""

    def __init__(self) -> None:
        self.shown = False

    def __call__(self, done: int, total: int, elapsed: float) -> None:
        if elapsed < 1.5 or not sys.stderr.isatty():
            return
        self.shown = True
        click.echo(f"\rsolving: {done}/{total} sub-problems, {elapsed:.1f} s", err=True, nl=False)

    def end(self) -> None:
        """End the progress line, if one was drawn."""
        if self.shown:
            click.echo("", err=True)


class ReadProgress:
    """A progress line on a terminal while a large data folder is read and checked."""

    def __init__(self) -> None:
        self.shown = False
        self.start = time.monotonic()

    def __call__(self, what: str, done: int, total: int) -> None:
        if time.monotonic() - self.start < 1.0 or not sys.stderr.isatty():
            return
        self.shown = True
        click.echo(f"\rreading {what}: {done:,} of {total:,} rows checked", err=True, nl=False)

    def end(self) -> None:
        """End the progress line, if one was drawn."""
        if self.shown:
            click.echo("", err=True)
            self.shown = False


def human_summary(s: dict[str, Any], findings: list[tuple[str, str]], out: Path) -> str:
    """The short summary printed after a run, from ``summary.json``'s figures and the
    findings as ``(kind, message)``."""
    lines = [
        f"children allocated      {s['children_allocated']}",
        f"children unallocated    {s['children_unallocated']}",
    ]
    if s["children_moved"]:
        lines.append(f"children moved          {s['children_moved']}")
    bands = s["workers_above_threshold"]
    band_text = ", ".join(f"{k}: {v}" for k, v in sorted(bands.items())) or "none"
    lines.append(f"workers in a threshold  {sum(bands.values())} ({band_text})")
    lines.append(f"sibling groups split    {s['sibling_groups_split']}")
    gap = s["gap"]
    lines.append(
        f"solver                  {s['status']}, gap {100 * (gap or 0):.3f}%, "
        f"{s['solve_seconds']:.1f} s"
    )
    more = s["model"].get("greedy_unallocated", 0) - s["children_unallocated"]
    if more > 0:
        lines.append(
            f"objective               {s['objective']:.2f} (the greedy baseline leaves {more} "
            f"more child{'ren' if more != 1 else ''} unallocated)"
        )
    elif (s["improvement_over_greedy_percent"] or 0) < 0:
        lines.append(
            f"objective               {s['objective']:.2f} (greedy {s['greedy_objective']:.2f} is "
            "lower but worse on priority or sibling splits, which come first)"
        )
    elif s["improvement_over_greedy_percent"] is not None:
        lines.append(
            f"objective               {s['objective']:.2f} (greedy {s['greedy_objective']:.2f}, "
            f"{s['improvement_over_greedy_percent']:.1f}% better)"
        )
    for kind, message in findings:
        if kind == "unallocated":
            lines.append(f"  - {message}")
    lines.append(f"wrote {out}/ ({OUTPUT_LISTING})")
    return "\n".join(lines)
