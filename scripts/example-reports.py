"""Regenerate the example authority's reports committed under docs/examples/.

The data and proposal are `caseload demo`'s (default policy, seed 0, as of
2026-11-23); the reports are written by `caseload report` in each format, and the
README's screenshot is the top of the page in headless Chromium.

    python scripts/example-reports.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "docs" / "examples"
SCREENSHOT = ROOT / "docs" / "report.png"


def caseload(*args: str, cwd: Path) -> None:
    subprocess.run([sys.executable, "-m", "caseload", *args], cwd=cwd, check=True)


def main() -> None:
    EXAMPLES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        here = Path(tmp)
        # Relative paths, so the reports name the folder as a user would see it.
        caseload("demo", "--out", "caseload-demo", cwd=here)
        proposal = "caseload-demo/proposal"
        for fmt in ("html", "xlsx", "pdf"):
            target = EXAMPLES / f"allocation-report.{fmt}"
            caseload("report", proposal, "--format", fmt, "--output", str(target), cwd=here)
    screenshot(EXAMPLES / "allocation-report.html", SCREENSHOT)
    print(f"wrote {EXAMPLES.relative_to(ROOT)}/ and {SCREENSHOT.relative_to(ROOT)}")


def screenshot(page: Path, out: Path) -> None:
    """The top of the report (headline and first chart) as a PNG, 1100 px wide."""
    from playwright.sync_api import sync_playwright

    from reports import chromium_path
    from reports.pdf import CHROMIUM_FLAGS

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=list(CHROMIUM_FLAGS))
        tab = browser.new_page(viewport={"width": 1100, "height": 1250})
        tab.set_content(page.read_text("utf-8"), wait_until="load")
        tab.screenshot(path=str(out))
        browser.close()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
