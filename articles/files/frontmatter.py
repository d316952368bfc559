"""Text <-> (front matter, body): the reference article format, with no database involved.

A file is YAML front matter between two `---` lines, a blank line, the Markdown body and a
final newline. `dump` writes exactly that and `parse` undoes exactly that, so a body survives
export and import byte for byte: leading blank lines, trailing newlines and all.
`parse` also reads what other tools write: TOML front matter between `+++` lines (Hugo), and a
file with no front matter at all (Obsidian notes, READMEs), which is all body.
YAML timestamps are read as text, so an impossible date (`2024-02-30`) is a date the importer
refuses with a reason, not an exception inside the YAML reader.
Input is normalised first: a UTF-8 byte order mark is dropped and CRLF/CR line ends become LF
(the model stores bodies with LF too).
"""

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass

import yaml

from ..text import CONTROL, SURROGATE, nfc, normalise_newlines

DELIMITER = "---"
TOML_DELIMITER = "+++"


# libyaml's C parser when present: the same YAML, several times faster for bulk imports.
class SafeLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """Safe YAML with timestamps kept as text (the importer reads every date form itself)."""


SafeLoader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


class FrontMatterError(ValueError):
    """The text is not front matter plus body; `line` is 1-based in the file when known."""

    def __init__(self, message: str, line: int | None = None):
        self.line = line
        super().__init__(f"line {line}: {message}" if line else message)


@dataclass
class Document:
    meta: dict
    body: str
    body_line: int = 1  # the line of the file where the body starts (1-based)
    syntax: str = "yaml"  # "yaml", "toml", or "none" (the file had no front matter)


def normalise_file(text: str) -> str:
    """A file's text without its byte order mark, with LF line ends."""
    return normalise_newlines(text.lstrip("\ufeff"))


def opening(lines: list[str]) -> str | None:
    """The delimiter the file's front matter opens with ('---' or '+++'), or None: no front matter."""
    first = lines[0].strip() if lines else ""
    return first if first in (DELIMITER, TOML_DELIMITER) else None


def closing_line(lines: list[str]) -> int:
    """The index of the line that closes the front matter; -1 when the file has none."""
    delimiter = opening(lines)
    if delimiter is None:
        return -1
    try:
        return next(i for i in range(1, len(lines)) if lines[i].strip() == delimiter)
    except StopIteration:
        raise FrontMatterError(f"front matter is not closed by a second {delimiter!r} line") from None


def _yaml(text: str) -> object:
    try:
        return yaml.load(text, Loader=SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        # +2: the opening '---' line, and YAML counts lines from 0.
        raise FrontMatterError(f"invalid YAML: {problem}", line=mark.line + 2 if mark else None) from None
    except (ValueError, TypeError, RecursionError) as error:  # e.g. a nesting too deep to read
        raise FrontMatterError(f"invalid YAML: {error}") from None


def _toml(text: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise FrontMatterError(f"invalid TOML: {error}") from None
    except (ValueError, RecursionError) as error:
        raise FrontMatterError(f"invalid TOML: {error}") from None


def parse(text: str) -> Document:
    # NFC: "café" typed on a Mac (e + combining accent) and elsewhere are one text, so search finds both.
    text = nfc(normalise_file(text))
    lines = text.split("\n")
    end = closing_line(lines)
    if end < 0:
        body = text[:-1] if text.endswith("\n") else text
        return Document(meta={}, body=body, body_line=1, syntax="none")
    toml = lines[0].strip() == TOML_DELIMITER
    meta = (_toml if toml else _yaml)("\n".join(lines[1:end]))
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise FrontMatterError("front matter must be a mapping of keys to values", line=2)
    body = "\n".join(lines[end + 1 :])
    # Undo what `dump` adds: one blank line after the front matter, one newline at the end.
    body_line = end + 2  # 1-based: the line after the closing '---'
    if body.startswith("\n"):
        body, body_line = body[1:], body_line + 1
    body = body[:-1] if body.endswith("\n") else body
    return Document(meta=meta, body=body, body_line=body_line, syntax="toml" if toml else "yaml")


C0_NAMES = (
    "NUL SOH STX ETX EOT ENQ ACK BEL BS HT LF VT FF CR SO SI "
    "DLE DC1 DC2 DC3 DC4 NAK SYN ETB CAN EM SUB ESC FS GS RS US"
).split()


def describe_character(char: str) -> str:
    """'U+0000 (NUL)': the code point, with its short name for the C0 controls and DEL."""
    code = ord(char)
    name = C0_NAMES[code] if code < 32 else "DEL" if code == 0x7F else ""
    return f"U+{code:04X}" + (f" ({name})" if name else "")


def forbidden_character(text: str) -> str | None:
    """The description of the first character no article text may hold, or None."""
    match = CONTROL.search(text) or SURROGATE.search(text)
    if match is None:
        return None
    kind = "an unpaired surrogate" if SURROGATE.match(match.group()) else "the control character"
    return f"{kind} {describe_character(match.group())}"


# Characters a single-quoted YAML scalar carries unchanged: printable, and no line breaks
# (YAML 1.1 also breaks lines at NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR).
SINGLE_QUOTABLE = re.compile("^[\t\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*$")


def _quote(value: str) -> str:
    # Single-quoted YAML scalars, as in the reference files; a quote is doubled.
    return "'" + value.replace("'", "''") + "'"


def dump_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(dump_value(str(item)) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{dump_value(str(k))}: {dump_value(str(v))}" for k, v in value.items()) + "}"
    value = str(value)
    if SINGLE_QUOTABLE.match(value):
        return _quote(value)
    # Newlines and control characters: a double-quoted scalar with escapes, on one line.
    return yaml.safe_dump(value, allow_unicode=True, default_style='"', width=10**9).rstrip("\n").removesuffix("\n...")


def dump(meta: dict, body: str) -> str:
    """The inverse of `parse`: keys in the given order, a blank line, the body, a newline."""
    lines = [DELIMITER]
    lines += [f"{key}: {dump_value(value)}" for key, value in meta.items()]
    lines += [DELIMITER, "", body]
    return "\n".join(lines) + "\n"


# A Markdown image: ![alt](target "optional title") or ![alt](<target with spaces>); group 2 is
# the target (with its angle brackets).
MARKDOWN_IMAGE = re.compile(r'(!\[[^\]\n]*\]\()(<[^>\n]*>|[^)\s]+)((?:\s+"[^"\n]*")?\))')
# Code is text, not images: fenced blocks and inline code spans are left alone.
CODE = re.compile(r"^ {0,3}(`{3,}|~{3,})[^\n]*\n.*?(?:^ {0,3}\1[`~]*[ \t]*$|\Z)|(`+)(?!`).+?(?<!`)\2(?!`)", re.DOTALL | re.MULTILINE)


# A reference-style image: ![alt][label], ![label][] or ![label] (not followed by an inline target).
IMAGE_REFERENCE = re.compile(r"!\[([^\]\n]*)\](?!\()(?:\[([^\]\n]*)\])?")
# A reference definition, `[label]: target "optional title"`; group 3 is the target.
DEFINITION = re.compile(r"^( {0,3}\[([^\]\n]+)\]:[ \t]*)(<[^>\n]*>|\S+)", re.MULTILINE)
# An image written as HTML: <img src="target">, either quote or none.
HTML_IMAGE = re.compile(r"""(<img\b[^>]*?\bsrc\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)


def _label(text: str) -> str:
    """Reference labels match case-insensitively, with runs of whitespace as one space (CommonMark)."""
    return " ".join(text.split()).casefold()


def replace_images(body: str, replace: Callable[[str], str]) -> str:
    """Apply `replace` to the target of every image outside code, however it is written (inline,
    by reference, or as an HTML <img>); return the new body. Links are left alone."""
    parts, position = [], 0
    for code in CODE.finditer(body):
        parts += [(body[position : code.start()], False), (code.group(0), True)]
        position = code.end()
    parts.append((body[position:], False))
    # The definitions images use; a definition only links point at is not an image.
    image_labels = {
        _label(m.group(2) or m.group(1)) for text, is_code in parts if not is_code for m in IMAGE_REFERENCE.finditer(text)
    }

    def definition(m: re.Match) -> str:
        if _label(m.group(2)) not in image_labels:
            return m.group(0)
        target = m.group(3)
        if target.startswith("<"):
            return f"{m.group(1)}<{replace(target[1:-1])}>"
        return m.group(1) + replace(target)

    def html_image(m: re.Match) -> str:
        quote = '"' if m.group(2) is not None else "'" if m.group(3) is not None else '"'
        target = next(group for group in m.groups()[1:] if group is not None)
        return f"{m.group(1)}{quote}{replace(target)}{quote}"

    def inline(m: re.Match) -> str:
        target = m.group(2)
        target = f"<{replace(target[1:-1])}>" if target.startswith("<") else replace(target)
        return m.group(1) + target + m.group(3)

    def images(text: str) -> str:
        text = MARKDOWN_IMAGE.sub(inline, text)
        text = HTML_IMAGE.sub(html_image, text)
        return DEFINITION.sub(definition, text)

    return "".join(text if is_code else images(text) for text, is_code in parts)
