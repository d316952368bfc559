"""Reading time as Medium estimates it."""

import pytest

from articles.reading import image_seconds, reading_time
from tests.factories import make_article


def words(n):
    return " ".join(["word"] * n)


def test_265_words_is_one_minute():
    assert reading_time(words(265)) == 1
    assert reading_time(words(265 * 8)) == 8


def test_empty_body_is_one_minute():
    assert reading_time("") == 1


def test_image_seconds_decrease_from_12_to_a_floor_of_3():
    assert image_seconds(1) == 12
    assert image_seconds(2) == 12 + 11
    assert image_seconds(10) == sum(range(12, 2, -1))
    assert image_seconds(12) == sum(range(12, 2, -1)) + 3 + 3


def test_images_add_time_and_their_markup_is_not_counted_as_words():
    body = words(265 * 4) + "\n\n" + "\n\n".join(f"![alt text here](https://example.org/{i}.jpg)" for i in range(10))
    # 4 minutes of words + 75 seconds of images = 5.25 minutes.
    assert reading_time(body) == 5


def test_chinese_and_japanese_text_counts_characters():
    assert reading_time("日本語の文章" * 250) == 3  # 1,500 characters at 500 a minute


@pytest.mark.django_db
def test_editor_override_wins_and_empty_override_computes():
    article = make_article(body=words(265 * 3), read_time_override=8)
    assert article.read_time == 8
    article.read_time_override = None
    article.save()
    assert article.read_time == 3
