"""The article page in a real Chromium, at phone and desktop widths."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from tests.factories import image_bytes, make_article, make_author

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_WORD = "Supercalifragilisticexpialidocious" * 3


@pytest.fixture
def article():
    default_storage.save("heroes/layout.jpg", ContentFile(image_bytes(size=(1600, 900))))
    body = (
        "Intro paragraph.\n\n"
        f"A very long unbreakable word: {LONG_WORD}.\n\n"
        "```\n" + "code " * 60 + "\n```\n\n"
        "| a | b | c | d | e | f |\n|---|---|---|---|---|---|\n| " + " | ".join(["wide cell content"] * 6) + " |\n"
    )
    return make_article("A Layout Test", hero_image="heroes/layout.jpg", hero_image_alt="Hero", body=body, tags=["One"])


@pytest.mark.parametrize("width", [390, 1280])
def test_no_horizontal_scroll(page, live_server, article, width):
    page.set_viewport_size({"width": width, "height": 844})
    page.goto(live_server.url + article.get_absolute_url())
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width


@pytest.mark.parametrize("width", [390, 1280])
def test_hero_keeps_its_box_while_loading(page, live_server, article, width):
    """Before any image byte arrives, the hero already has its final height (no layout shift)."""
    page.set_viewport_size({"width": width, "height": 844})
    # Hold every image request: the page lays out as it would while images are still loading.
    page.route("**/media/**", lambda route: None)
    page.goto(live_server.url + article.get_absolute_url(), wait_until="domcontentloaded")
    box = page.evaluate(
        """() => {
            const img = document.querySelector('img.hero');
            const r = img.getBoundingClientRect();
            return {width: r.width, height: r.height, complete: img.complete, natural: img.naturalWidth,
                    ratio: getComputedStyle(img).aspectRatio};
        }"""
    )
    assert box["natural"] == 0  # really not loaded yet
    assert box["width"] > 0
    assert box["height"] == pytest.approx(box["width"] * 900 / 1600, abs=1.5)
    assert "1600" in box["ratio"] and "900" in box["ratio"]


@pytest.mark.parametrize("path", ["/", "article", "tag", "author"])
def test_long_words_in_titles_and_tags_never_widen_a_phone_page(page, live_server, path):
    """One long word (a URL, a German compound) in a title, summary, tag or author name wraps."""
    compound = "Rindfleischetikettierungsüberwachungsaufgabenübertragungsgesetz"
    writer = make_author(compound)
    older = make_article(f"{compound} {LONG_WORD}", subtitle=LONG_WORD, tags=[compound], author=writer)
    make_article(f"Newer {LONG_WORD}", subtitle=LONG_WORD, tags=[compound], author=writer)  # older's "next"
    url = {
        "/": "/",
        "article": older.get_absolute_url(),
        "tag": f"/tags/{older.tags.get().slug}/",
        "author": older.author.get_absolute_url(),
    }[path]
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + url)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_right_to_left_article_reads_right_to_left(page, live_server):
    article = make_article("مقالة باللغة العربية", subtitle="عنوان فرعي", author=make_author("كاتب عربي"), body="فقرة أولى من النص.\n\nفقرة ثانية.")
    page.goto(live_server.url + article.get_absolute_url())
    direction = "el => getComputedStyle(el).direction"
    assert page.eval_on_selector("h1", direction) == "rtl"
    assert page.eval_on_selector(".prose p", direction) == "rtl"
    assert page.eval_on_selector("html", direction) == "ltr"  # the site around it stays as it is
    # The author's name is isolated: the date's digits do not join the Arabic run.
    assert page.eval_on_selector(".byline a bdi", "el => el.textContent") == "كاتب عربي"


def test_a_wide_table_scrolls_in_its_box_with_its_words_whole_on_a_phone(page, live_server):
    header = "| " + " | ".join(f"Column header {n}" for n in range(10)) + " |\n"
    rule = "|" + "---|" * 10 + "\n"
    row = "| " + " | ".join(f"value {n} longer text" for n in range(10)) + " |\n"
    article = make_article("Wide table", body="Before.\n\n" + header + rule + row * 3)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + article.get_absolute_url())
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.eval_on_selector(".table-scroll", "el => ({client: el.clientWidth, scroll: el.scrollWidth})")
    assert box["scroll"] > box["client"]  # it scrolls sideways, inside its box
    # Words stay whole: "Column" is never broken into a letter a line.
    heights = page.eval_on_selector_all("th", "els => els.map(el => el.getBoundingClientRect().height)")
    line = page.eval_on_selector("th", "el => parseFloat(getComputedStyle(el).lineHeight)")
    assert max(heights) < 4 * line
    page.keyboard.press("Tab")
    focused = None
    for _ in range(60):  # the box is reachable with the keyboard
        focused = page.evaluate("document.activeElement.className")
        if focused == "table-scroll":
            break
        page.keyboard.press("Tab")
    assert focused == "table-scroll"


def test_table_columns_are_aligned_as_the_delimiter_row_says(page, live_server):
    body = "| Left | Centre | Right | Plain |\n|:-----|:------:|------:|-------|\n| a | b | c | d |\n"
    article = make_article("Aligned", body=body)
    page.goto(live_server.url + article.get_absolute_url())
    aligned = page.evaluate(
        """() => [...document.querySelectorAll('.prose tr')].map(
            row => [...row.children].map(cell => getComputedStyle(cell).textAlign))"""
    )
    assert aligned == [["left", "center", "right", "left"]] * 2
