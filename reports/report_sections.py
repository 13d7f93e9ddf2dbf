"""A report's parts as a 台账 has them: the progress itself, 存在问题 and 下步打算.

Liaisons write these parts with the usual labels (存在问题：…；下一步：…, or in English
"Problems: … Next steps: …"); a report without them is all progress.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PROBLEMS = "problems"
NEXT_STEPS = "next_steps"

# Long labels may be followed by a comma (下一步，将…); short ones need a colon, so that a
# sentence such as "推进困难，…" is not taken for a label.
_LONG = {
    PROBLEMS: (
        "存在的主要问题",
        "存在的问题",
        "存在问题",
        "主要问题",
        "困难和问题",
        "问题和困难",
        "主要困难",
        "存在困难",
    ),
    NEXT_STEPS: (
        "下一步工作打算",
        "下一步工作计划",
        "下一步打算",
        "下一步计划",
        "下一步工作",
        "下步打算",
        "下步计划",
        "下步工作",
        "下一步",
        "下步",
    ),
}
_SHORT = {
    PROBLEMS: ("问题", "困难", "problems", "problem", "issues", "difficulties", "risks"),
    NEXT_STEPS: ("计划", "打算", "next steps", "next step", "next", "plans", "plan"),
}
_LABEL = re.compile(
    "|".join(
        [
            *(
                f"(?P<{kind}_long{index}>{re.escape(word)})\\s*(?:是|为)?\\s*[：:，,]"
                for kind, words in _LONG.items()
                for index, word in enumerate(words)
            ),
            *(
                f"(?P<{kind}_short{index}>(?<![A-Za-z]){re.escape(word)})\\s*[：:]"
                for kind, words in _SHORT.items()
                for index, word in enumerate(words)
            ),
        ]
    ),
    re.IGNORECASE,
)
# Separators between the parts go; a sentence's own full stop stays.
_TRIM = " \t\r\n；;，,"


@dataclass(frozen=True)
class ReportSections:
    progress: str
    problems: str = ""
    next_steps: str = ""


def _kind(match: re.Match[str]) -> str:
    name = match.lastgroup or ""
    return PROBLEMS if name.startswith(PROBLEMS) else NEXT_STEPS


def split_sections(text: str) -> ReportSections:
    """The progress, 存在问题 and 下步打算 of one report (each trimmed; "" when absent)."""
    found = list(_LABEL.finditer(text))
    if not found:
        return ReportSections(text.strip())
    parts: dict[str, list[str]] = {PROBLEMS: [], NEXT_STEPS: []}
    for index, match in enumerate(found):
        end = found[index + 1].start() if index + 1 < len(found) else len(text)
        part = text[match.end() : end].strip(_TRIM)
        if part:
            parts[_kind(match)].append(part)
    progress = text[: found[0].start()].strip(_TRIM)
    return ReportSections(progress, "；".join(parts[PROBLEMS]), "；".join(parts[NEXT_STEPS]))
