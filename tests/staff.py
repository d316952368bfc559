"""Staff users in each role, for the admin tests."""

from django.contrib.auth.models import Group, User

from articles.models import Author


def make_staff(role: str, username: str | None = None, with_author: bool = True) -> User:
    username = username or role.lower()
    user = User.objects.create_user(username, f"{username}@example.org", "pass-word-123", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    if with_author:
        Author.objects.create(name=f"{role} {username}", user=user)
    return user


def logged_in(client, user):
    client.force_login(user)
    return client


def article_form_data(article, **changes) -> dict:
    """The change form's POST data for `article`, as a browser would send it."""
    from django.utils import timezone

    local = timezone.localtime(article.publish_date)
    data = {
        "title": article.title,
        "subtitle": article.subtitle,
        "slug": article.slug,
        "author": article.author_id,
        "description": article.description,
        "body": article.body,
        "loaded_version": article.version,
        "hero_image_alt": article.hero_image_alt,
        "hero_image_url": article.hero_image_url,
        "draft": "on" if article.draft else "",
        "publish_date_0": local.strftime("%Y-%m-%d"),
        "publish_date_1": local.strftime("%H:%M:%S"),
        "tags": [tag.pk for tag in article.tags.all()],
        "cta": article.cta,
        "read_time_override": article.read_time_override or "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}
