"""The three editorial roles, as Django groups, and the questions the admin asks about them.

Groups and their permissions are created, and kept in step, after every `migrate` (the app's
post_migrate handler: a model added later gets its permissions in the roles that should have them).
"""

from django.contrib.auth.models import Group, Permission

from .models import Author

CONTRIBUTOR, EDITOR, ADMINISTRATOR = "Contributor", "Editor", "Administrator"
PUBLISH = "articles.publish_article"

# codename lists per role; Administrator gets every permission there is.
ROLE_PERMISSIONS = {
    CONTRIBUTOR: {
        "articles": ["add_article", "change_article", "view_article", "view_author", "view_tag", "add_tag"],
    },
    EDITOR: {
        "articles": [
            "add_article", "change_article", "delete_article", "view_article", "publish_article",
            "add_author", "change_author", "delete_author", "view_author",
            "add_tag", "change_tag", "delete_tag", "view_tag",
            "change_publicationsettings", "view_publicationsettings",
            "add_redirect", "change_redirect", "delete_redirect", "view_redirect",
            "add_webhook", "change_webhook", "delete_webhook", "view_webhook",
            "view_subscription", "view_subscriptionrequest", "view_delivery", "view_publishevent",
        ],
        "reversion": ["view_revision", "view_version"],
    },
}


def sync_groups(group_model=Group, permission_model=Permission) -> None:
    """Create the role groups and grant their permissions (idempotent)."""
    for role, by_app in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=role)
        for app_label, codenames in by_app.items():
            group.permissions.add(
                *permission_model.objects.filter(content_type__app_label=app_label, codename__in=codenames)
            )
    administrators, _ = group_model.objects.get_or_create(name=ADMINISTRATOR)
    administrators.permissions.add(*permission_model.objects.all())


def can_publish(user) -> bool:
    """Publishing, scheduling and reverting to draft: editors and administrators."""
    return user.is_active and user.has_perm(PUBLISH)


def owns(user, article) -> bool:
    author = article.author if article.author_id else None
    return author is not None and author.user_id == user.pk


def author_for(user):
    """The Author a staff user writes as, created on first need."""
    try:
        return user.author
    except Author.DoesNotExist:
        name = user.get_full_name() or user.get_username()
        if Author.objects.filter(name=name).exists():
            name = f"{name} ({user.get_username()})"
        return Author.objects.create(name=name, user=user)
