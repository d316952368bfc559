"""MDX -> Markdown: the Markdown stays, what only a JavaScript build can run is removed and named.

Removed: ESM `import`/`export` statements (one line, or a braced list over several lines) and
JSX components (a tag whose name starts with a capital letter, `<Chart data={x} />`, and the
opening and closing tags around children, whose Markdown is kept). Code is left alone.
"""

import re
from collections import Counter
from pathlib import PurePosixPath

ESM = re.compile(r"^(import|export)\b")
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# A JSX component tag: <Name ...>, </Name>, <Name ... />, <Name.Sub>; attributes may hold {...}.
COMPONENT = re.compile(r"</?([A-Z][\w.]*)(?:\s(?:[^<>{}]|\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\})*)?/?>", re.DOTALL)


def is_mdx(name: str) -> bool:
    return PurePosixPath(name).suffix.lower() == ".mdx"


def to_markdown(body: str) -> tuple[str, str]:
    """The body without ESM lines and JSX components, and what was removed ('' when nothing)."""
    lines, kept, fence, statements = body.split("\n"), [], None, Counter()
    chunks: list[tuple[str, bool]] = []  # (text, is code)
    index = 0
    while index < len(lines):
        line = lines[index]
        opening = FENCE.match(line)
        if fence is None and opening:
            fence = opening.group(1)
        elif fence is not None and line.strip().startswith(fence[0] * len(fence)):
            fence = None
            chunks.append((line, True))
            index += 1
            continue
        if fence is None and (esm := ESM.match(line)):
            statements[esm.group(1)] += 1
            # A statement over several lines: up to the line that closes its braces.
            depth = line.count("{") - line.count("}")
            while depth > 0 and index + 1 < len(lines):
                index += 1
                depth += lines[index].count("{") - lines[index].count("}")
            index += 1
            continue
        chunks.append((line, fence is not None))
        index += 1
    components: Counter = Counter()

    def remove(match: re.Match) -> str:
        if not match.group(0).startswith("</"):
            components[match.group(1)] += 1
        return ""

    # Components may span lines: join the prose between code blocks, then strip them.
    out, prose = [], []
    for text, is_code in chunks + [("", True)]:
        if is_code:
            if prose:
                out.append(COMPONENT.sub(remove, "\n".join(prose)))
                prose = []
            out.append(text)
        else:
            prose.append(text)
    kept = "\n".join(out[:-1])
    kept = re.sub(r"\n{3,}", "\n\n", kept).strip("\n")
    removed = []
    for word in ("import", "export"):
        if statements[word]:
            removed.append(f"{statements[word]} {word} line(s)")
    if components:
        removed.append("the JSX component(s) " + ", ".join(f"<{name}>" for name in sorted(components)))
    return kept, ", ".join(removed)
