"""Text <-> (front matter, body): the reference article format, with no database involved.

A file is YAML front matter between two `---` lines, then a Markdown body.
"""

from dataclasses import dataclass

import yaml

DELIMITER = "---"


class FrontMatterError(ValueError):
    """The text is not front matter plus body; `line` is 1-based in the file when known."""

    def __init__(self, message: str, line: int | None = None):
        self.line = line
        super().__init__(f"line {line}: {message}" if line else message)


@dataclass
class Document:
    meta: dict
    body: str


def normalise_newlines(text: str) -> str:
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def parse(text: str) -> Document:
    text = normalise_newlines(text)
    lines = text.split("\n")
    if not lines or lines[0].strip() != DELIMITER:
        raise FrontMatterError("no front matter: the file must start with a '---' line", line=1)
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == DELIMITER)
    except StopIteration:
        raise FrontMatterError("front matter is not closed by a second '---' line") from None
    try:
        meta = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        # +2: the opening '---' line, and YAML counts lines from 0.
        raise FrontMatterError(f"invalid YAML: {problem}", line=mark.line + 2 if mark else None) from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise FrontMatterError("front matter must be a mapping of keys to values", line=2)
    body = "\n".join(lines[end + 1 :])
    return Document(meta=meta, body=body.lstrip("\n"))


def _quote(value: str) -> str:
    # Single-quoted YAML scalars, as in the reference files; a quote is doubled.
    return "'" + value.replace("'", "''") + "'"


def dump_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_quote(str(item)) for item in value) + "]"
    if isinstance(value, str) and ("\n" in value or any(ord(c) < 32 and c != "\t" for c in value)):
        # Single-quoted scalars cannot carry newlines or control characters faithfully.
        return yaml.safe_dump(value, allow_unicode=True, default_style='"', width=10**9).strip()
    return _quote(str(value))


def dump(meta: dict, body: str) -> str:
    """The inverse of `parse`: keys in the given order, then the body."""
    lines = [DELIMITER]
    lines += [f"{key}: {dump_value(value)}" for key, value in meta.items()]
    lines += [DELIMITER, "", body]
    text = "\n".join(lines)
    return text if text.endswith("\n") else text + "\n"
