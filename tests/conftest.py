"""Shared fixtures: the default brochure built once per test session, and PDF readers."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pytest
from pypdf import PdfReader

from builder.build import BuildResult, build
from builder.layout.document import section_label
from builder.source.content import load_document
from builder.source.model import Document

# Parsed fonts are cached in a folder of the test session's own, never the user's cache: set
# before any build runs, inherited by every process the tests start, removed at the end.
FONT_CACHE_HOME = tempfile.mkdtemp(prefix="brochure-test-cache-")
os.environ["XDG_CACHE_HOME"] = FONT_CACHE_HOME

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONTENT = ROOT / "content" / "xianan-2022.yaml"
DIGITS = re.compile(r"^\d+$")


@dataclass
class Built:
    document: Document
    result: BuildResult
    pdf: Path

    def reader(self) -> PdfReader:
        return PdfReader(self.pdf)

    def page_texts(self) -> list[str]:
        return [page.extract_text() or "" for page in self.reader().pages]

    def body_texts(self) -> list[str]:
        """Page texts without the running header and folio drawn at the end of each page."""
        chrome = {self.document.meta.title} | {
            section_label(self.document, part) for part in self.document.parts}
        pages = []
        for text in self.page_texts():
            lines = text.split("\n")
            while lines and (not lines[-1].strip() or lines[-1].strip() in chrome
                             or (DIGITS.match(lines[-1].strip()) and len(lines) > 1
                                 and lines[-2].strip() in chrome)):
                lines.pop()
            pages.append("\n".join(lines))
        return pages


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    output = tmp_path_factory.mktemp("dist") / "xianan-2022.pdf"
    result = build(DEFAULT_CONTENT, output)
    return Built(document=load_document(DEFAULT_CONTENT), result=result, pdf=output)


@pytest.fixture(scope="session")
def screen(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default brochure's screen file, built once per session."""
    output = tmp_path_factory.mktemp("screen") / "screen.pdf"
    build(DEFAULT_CONTENT, output, profile="screen")
    return output


@pytest.fixture(scope="session")
def plumber(built: Built):
    with pdfplumber.open(built.pdf) as pdf:
        yield pdf


def flat(text: str) -> str:
    """Text without white space."""
    return re.sub(r"\s+", "", text)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(FONT_CACHE_HOME, ignore_errors=True)
