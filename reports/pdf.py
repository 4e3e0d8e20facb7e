"""The PDF renderer: the same HTML page, printed by headless Chromium through Playwright.

A4, print media, the page's own print styles, and a footer on every page with
the run's version, input hash, seed, solver status and the page number. The
browser is the machine's Chromium (Debian's ``chromium`` package, or the one
``CASELOAD_CHROMIUM`` names); Playwright never downloads one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from html import escape
from pathlib import Path

from reports.html import render_html
from reports.model import Report

CHROMIUM_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
"""Flags for a headless Chromium that runs as root in a container and talks to nobody."""

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class BrowserMissingError(RuntimeError):
    """No Chromium to print with, or Playwright is not installed; the message says how to
    install them."""


def chromium_path() -> str:
    """The Chromium to drive: ``CASELOAD_CHROMIUM``, else the first of ``chromium``,
    ``chromium-browser``, ``google-chrome`` on the PATH.

    Raises
    ------
    BrowserMissingError
        None found.
    """
    given = os.environ.get("CASELOAD_CHROMIUM")
    if given:
        if not Path(given).is_file():
            raise BrowserMissingError(f"CASELOAD_CHROMIUM={given}: no such file")
        return given
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserMissingError(
        "a PDF is printed by Chromium, and none was found: install it (on Debian or Ubuntu: "
        "apt-get install chromium) or set CASELOAD_CHROMIUM to its path"
    )


def footer_template(footer: str) -> str:
    """Chromium's footer for every page: the report's footer line and 'page N of M'."""
    return (
        '<div style="font-family: Helvetica, Arial, sans-serif; font-size: 7.5pt; color: #444; '
        'width: 100%; margin: 0 12mm; display: flex; justify-content: space-between;">'
        f"<span>{escape(footer)}</span>"
        '<span>page <span class="pageNumber"></span> of <span class="totalPages"></span></span>'
        "</div>"
    )


def render_pdf(report: Report, html: str | None = None) -> bytes:
    """The report printed to PDF (bytes), from its HTML (rendered here unless given).

    Raises
    ------
    BrowserMissingError
        Playwright or Chromium is not installed.
    """
    page_html = html if html is not None else render_html(report)
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise BrowserMissingError("a PDF needs Playwright: pip install 'caseload[pdf]'") from None
    with tempfile.TemporaryDirectory(prefix="caseload-pdf-") as profile, sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=executable, headless=True, args=list(CHROMIUM_FLAGS)
        )
        try:
            page = context.new_page()
            page.route("**/*", lambda route: route.abort())  # nothing leaves the machine
            page.set_content(page_html, wait_until="load")
            page.emulate_media(media="print")
            data = page.pdf(
                format="A4",
                print_background=True,
                display_header_footer=True,
                header_template="<div></div>",
                footer_template=footer_template(report.footer),
                margin={"top": "14mm", "bottom": "18mm", "left": "12mm", "right": "12mm"},
                prefer_css_page_size=False,
            )
        finally:
            context.close()
    return bytes(data)
