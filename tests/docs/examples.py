"""The `curl` examples of README.md and docs/*.md, as a newcomer would copy them.

A command is a line of a ```sh (or bash, shell) block that starts with `curl`, with its
continuation lines (a trailing backslash, or a quoted body left open). What it must answer:
- a status in a comment at its end (`curl ... # 400`);
- else, when it is the only command of its block, the documented answer in the next block:
  its `HTTP/1.1 NNN` first line, or the `status` of a problem+json body;
- else any 2xx or 3xx.
A command holding `…` is an illustration (`curl -H "Authorization: Bearer $KEY" …`), and one
that does not call the service (`curl -LO https://download.geofabrik.de/…`) is not ours: neither
is run.
A block whose info string names a file (```json file=vacancy.json) is that file, which a
command may send (`--data @vacancy.json`).
A `valid_through` date in a body is read as written on DOCS_DATED and moved by the days since
(`dated`): the service refuses a past one and one more than 90 days ahead, and the examples
must keep answering as documented after their dates have passed."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from datetime import date
from pathlib import Path

DOCUMENTED_BASE = "http://127.0.0.1:8000"
DOCS_DATED = date(2026, 12, 5)  # the day the examples' valid_through dates were written for
_VALID_THROUGH = re.compile(r'("valid_through":\s*")(\d{4}-\d{2}-\d{2})')
SHELLS = frozenset({"sh", "bash", "shell"})
_FENCE = re.compile(r"^(\s*)```(\S*)\s*(.*)$")
_STATUS_COMMENT = re.compile(r"\s#\s*([2-5][0-9]{2})\b[^'\"]*$")
_HTTP_LINE = re.compile(r"^HTTP/\S+ ([1-5][0-9]{2})\b")
_PROBLEM = re.compile(r'"type":\s*"https://jobmap\.vinhlong\.gov\.vn/problems/')
_PROBLEM_STATUS = re.compile(r'"status":\s*([1-5][0-9]{2})\b')
_VARIABLE = re.compile(r"\$\{?([A-Z][A-Z0-9_]*)")


@dataclass(frozen=True)
class Block:
    language: str
    info: str
    line: int  # of the opening fence, from 1
    text: str


@dataclass(frozen=True)
class Example:
    source: str  # path:line
    command: str
    expected: int | None  # None: any 2xx or 3xx

    @property
    def variables(self) -> set[str]:
        return set(_VARIABLE.findall(self.command))

    def accepts(self, status: int) -> bool:
        return status == self.expected if self.expected else 200 <= status < 400


def blocks(text: str) -> list[Block]:
    found = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        indent, language, info = opening.groups()
        start = index
        body = []
        index += 1
        while index < len(lines) and lines[index].strip() != "```":
            line = lines[index]
            body.append(line[len(indent) :] if line.startswith(indent) else line.lstrip())
            index += 1
        found.append(Block(language, info, start + 1, "\n".join(body)))
        index += 1
    return found


def files(text: str) -> dict[str, str]:
    """The blocks that name a file: {name: content}."""
    named = {}
    for block in blocks(text):
        match = re.search(r"\bfile=(\S+)", block.info)
        if match:
            named[match.group(1)] = block.text + "\n"
    return named


def _complete(command: str) -> bool:
    if command.rstrip().endswith("\\"):
        return False
    try:
        shlex.split(command, comments=True)
    except ValueError:  # a quotation still open: the body goes on
        return False
    return True


def _commands(block: Block) -> list[tuple[int, str]]:
    found = []
    lines = block.text.split("\n")
    index = 0
    while index < len(lines):
        if not lines[index].lstrip().startswith("curl "):
            index += 1
            continue
        start = index
        command = lines[index]
        while not _complete(command) and index + 1 < len(lines):
            index += 1
            command += "\n" + lines[index]
        found.append((block.line + 1 + start, command))
        index += 1
    return found


def _documented_status(answer: Block | None) -> int | None:
    if answer is None or answer.language in SHELLS:
        return None
    first = answer.text.lstrip().split("\n", 1)[0]
    http = _HTTP_LINE.match(first)
    if http:
        return int(http.group(1))
    if _PROBLEM.search(answer.text):
        status = _PROBLEM_STATUS.search(answer.text)
        return int(status.group(1)) if status else None
    return None


def examples(path: Path, name: str) -> list[Example]:
    found = []
    all_blocks = blocks(path.read_text(encoding="utf-8"))
    for position, block in enumerate(all_blocks):
        if block.language not in SHELLS:
            continue
        commands = _commands(block)
        following = all_blocks[position + 1] if position + 1 < len(all_blocks) else None
        for line, command in commands:
            if "…" in command or DOCUMENTED_BASE not in command:
                continue
            comment = _STATUS_COMMENT.search(command)
            if comment:
                expected: int | None = int(comment.group(1))
            elif len(commands) == 1:
                expected = _documented_status(following)
            else:
                expected = None
            found.append(Example(f"{name}:{line}", command, expected))
    return found


def runnable(command: str, base: str) -> str:
    """The command against `base`, printing the status last (`-w` after the body)."""
    command = command.replace(DOCUMENTED_BASE, base)
    return re.sub(r"^(\s*)curl ", r"\1curl --max-time 60 -w '\\n%{http_code}' ", command, count=1)


def dated(text: str, today: date) -> str:
    """`text` with each valid_through date as far from `today` as it was from DOCS_DATED."""
    shift = today - DOCS_DATED
    return _VALID_THROUGH.sub(
        lambda match: match.group(1) + (date.fromisoformat(match.group(2)) + shift).isoformat(),
        text,
    )
