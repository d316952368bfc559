"""Highlighted code is readable: every token colour of static/css/body.css meets WCAG AA (4.5:1)
against the background the page really gives a code block (static/css/site.css), in the light
and the dark theme."""

import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parent.parent / "static" / "css"
DARK = "(prefers-color-scheme: dark)"


def rules(css: str):
    """(media, selector, {property: value}) for every rule, media being None or the query."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    found, media, start, position = [], [None], 0, 0
    while True:
        match = re.compile(r"[{}]").search(css, position)
        if match is None:
            return found
        head = css[start:match.start()].strip()
        if match.group() == "{":
            if head.startswith("@media"):
                media.append(head[len("@media"):].strip())
                start = match.end()
            else:
                close = css.index("}", match.end())
                body = css[match.end():close]
                declarations = dict(
                    (name.strip().lower(), value.strip())
                    for name, _, value in (part.partition(":") for part in body.split(";") if ":" in part)
                )
                for selector in head.split(","):
                    found.append((media[-1], " ".join(selector.split()), declarations))
                start = position = close + 1
                continue
        else:
            media.pop()
            start = match.end()
        position = match.end()


def rgb(value: str):
    value = value.strip().lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    assert re.fullmatch(r"[0-9a-fA-F]{6}", value), value
    return tuple(int(value[i:i + 2], 16) / 255 for i in (0, 2, 4))


def luminance(colour):
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in colour]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a, b):
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_contrast_formula_is_wcag_s():
    assert contrast(rgb("#000"), rgb("#fff")) == pytest.approx(21)
    assert contrast(rgb("#767676"), rgb("#fff")) == pytest.approx(4.54, abs=0.01)
    assert contrast(rgb("#777"), rgb("#fff")) < 4.5


def theme_values(media, selector, prop, found):
    """The value in the light theme, then in the dark one (the dark rule wins where there is one)."""
    light = next((d[prop] for m, s, d in found if m is None and s == selector and prop in d), None)
    dark = next((d[prop] for m, s, d in found if m == DARK and s == selector and prop in d), light)
    return light if media is None else dark


def resolve(value: str, variables: dict) -> str:
    match = re.fullmatch(r"var\((--[\w-]+)\)", value.strip())
    return variables[match.group(1)] if match else value


@pytest.mark.parametrize("theme", [None, DARK], ids=["light", "dark"])
def test_every_token_colour_of_highlighted_code_meets_wcag_aa_on_the_page(theme):
    site = rules((CSS / "site.css").read_text())
    body = rules((CSS / "body.css").read_text())
    everything = site + body  # body.css is linked after site.css
    variables = {}
    for media in (None, theme):
        for m, selector, declarations in site:
            if m == media and selector == ":root":
                variables.update({k: v for k, v in declarations.items() if k.startswith("--")})
    # A code block is <pre class="highlight">: the page's `.prose pre` background outranks
    # any background `.highlight` alone could set, so that is the one to measure against.
    assert not any("background" in d or "background-color" in d for _, s, d in body if s == ".highlight")
    background = resolve(theme_values(theme, ".prose pre", "background", site), variables)
    tokens = sorted({s for _, s, d in everything if s.startswith(".highlight .") and "color" in d})
    assert len(tokens) > 40
    text = theme_values(theme, ".highlight", "color", everything)
    failing = {}
    for selector in [".highlight", *tokens]:
        # A class with a colour in one theme only has the code's own colour in the other.
        colour = resolve(theme_values(theme, selector, "color", everything) or text, variables)
        own = theme_values(theme, selector, "background-color", everything)
        ratio = contrast(rgb(colour), rgb(resolve(own, variables) if own else background))
        if ratio < 4.5:
            failing[selector] = round(ratio, 2)
    assert not failing
