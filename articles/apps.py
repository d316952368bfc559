from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _after_migrate(**kwargs):
    from .cache import content_changed
    from .roles import sync_groups
    from .search import ensure_sqlite_index

    sync_groups()
    # Altering articles_article on SQLite remakes the table and drops the search triggers.
    ensure_sqlite_index(kwargs.get("using"))
    # A deploy runs migrate: pages cached by the previous release (templates, settings) go stale.
    content_changed(kwargs.get("using"))


class ArticlesConfig(AppConfig):
    name = "articles"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Keep the role groups' permissions in step with the models after every migrate.
        post_migrate.connect(_after_migrate, sender=self)
        # Saving content makes cached pages stale, in every process (web or management command).
        from . import cache  # noqa: F401
        # The admin of the WebSub hub and webhooks (subscribers, deliveries).
        from .websub import admin  # noqa: F401
