"""Check stage: content problems found before layout (flaws of the source, missing glyphs).

Each finding names the file and line, a rule id, a severity and what to do.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from builder.fonts import FontFace, missing_chars
from builder.model import Document, Figure, Heading, Paragraph, Quote, Scorecard

CLOSING_MARKS = "。！？…”’）》」』"
"""A paragraph ending without one of these is cut off (unless marked truncated)."""
HALF_WIDTH_IN_CHINESE = re.compile(r"(?<=[\u3400-\u9fff“”])[,:;!?()]|[,:;!?()](?=[\u3400-\u9fff])")


@dataclass(frozen=True)
class Finding:
    line: int
    rule: str
    severity: str  # "error" | "warning"
    message: str
    hint: str

    def format(self, path: str) -> str:
        return (f"{path}:{self.line}: {self.severity}: [{self.rule}] {self.message}\n"
                f"  hint: {self.hint}")


def texts(document: Document) -> Iterator[tuple[int, str]]:
    """Every user text of the document with its line, in reading order."""
    meta = document.meta
    for value in (meta.kicker, meta.title, meta.subtitle, meta.lead, meta.issuer, meta.date):
        if value:
            yield 0, value
    for part in document.parts:
        for value in (part.title, part.headline, part.tag):
            if value:
                yield part.line, value
        for block in part.blocks:
            if isinstance(block, (Paragraph, Heading)):
                yield block.line, block.text
            elif isinstance(block, Quote):
                yield block.line, block.text + (block.source or "")
            elif isinstance(block, Figure):
                yield block.line, block.caption
            elif isinstance(block, Scorecard):
                yield block.line, block.title + (block.note or "")
                for row in block.rows:
                    yield row.line, " ".join(
                        filter(None, (row.metric, row.qualifier, row.start, row.value, row.unit,
                                      row.change, row.remark)))


def check_document(document: Document, faces: tuple[FontFace, ...]) -> list[Finding]:
    """All findings for a document; errors stop the build."""
    findings: list[Finding] = []
    seen: dict[str, int] = {}
    for part in document.parts:
        for block in part.blocks:
            if not isinstance(block, Paragraph):
                continue
            if block.text in seen:
                findings.append(Finding(block.line, "duplicate-paragraph", "error",
                                        f"paragraph repeats the one at line {seen[block.text]}",
                                        "delete one of the two copies"))
            seen.setdefault(block.text, block.line)
            if not block.truncated and block.text[-1] not in CLOSING_MARKS:
                findings.append(Finding(block.line, "cut-off", "warning",
                                        f"paragraph ends without closing punctuation: "
                                        f"…{block.text[-8:]}",
                                        "finish the sentence, or add 'truncated: true' to"
                                        " print an editorial mark"))
    for line, text in texts(document):
        for match in HALF_WIDTH_IN_CHINESE.finditer(text):
            findings.append(Finding(line, "half-width-punctuation", "warning",
                                    f"half-width '{match.group()}' in Chinese text: "
                                    f"…{text[max(0, match.start() - 6):match.end() + 6]}…",
                                    "use the full-width mark (，：；！？（）)"))
        for char in missing_chars(text, faces):
            findings.append(Finding(line, "missing-glyph", "error",
                                    f"character '{char}' (U+{ord(char):04X}) is in none of the"
                                    f" fonts ({', '.join(f.name for f in faces)})",
                                    "replace the character or add a font that has it"))
    return findings
