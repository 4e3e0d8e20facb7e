"""Tests for reports.pdf: the page printed by headless Chromium, A4, numbered."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from reports import build_report, render_pdf
from reports.pdf import footer_template
from tests.support import report_proposal


@pytest.fixture(scope="module")
def pdf(tmp_path_factory: pytest.TempPathFactory) -> PdfReader:
    folder = report_proposal(tmp_path_factory.mktemp("proposal") / "out")
    return PdfReader(io.BytesIO(render_pdf(build_report(folder))))


def test_pages_are_a4(pdf):
    """Every page is A4 (595 x 842 points)."""
    assert len(pdf.pages) >= 2
    for page in pdf.pages:
        box = page.mediabox
        assert round(float(box.width)) == 596 and round(float(box.height)) == 843


def test_pages_are_numbered_with_the_footer(pdf):
    """Each page's footer says 'page N of M' and names the seed and solver status."""
    total = len(pdf.pages)
    for number, page in enumerate(pdf.pages, start=1):
        text = page.extract_text()
        assert f"page {number} of {total}" in text
        assert "seed 0" in text and "solver optimal" in text


def test_the_printout_holds_the_headline_and_tables(pdf):
    """The first page has the title and headline; the list's children are printed."""
    first = pdf.pages[0].extract_text()
    assert "Allocation proposal, 2026-11-23" in first
    assert "children allocated" in first
    text = "".join(p.extract_text() for p in pdf.pages)
    assert "C-SKILL" in text and "Exceptions needing action" in text


def test_the_footer_escapes_its_text():
    """Footer text is escaped, and the page number placeholders are Chromium's."""
    footer = footer_template("<b>x</b>")
    assert "&lt;b&gt;" in footer
    assert 'class="pageNumber"' in footer and 'class="totalPages"' in footer
