from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles(**kwargs):
    from .roles import sync_groups

    sync_groups()


class ArticlesConfig(AppConfig):
    name = "articles"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Keep the role groups' permissions in step with the models after every migrate.
        post_migrate.connect(_sync_roles, sender=self)
        # Saving content makes cached pages stale, in every process (web or management command).
        from . import cache  # noqa: F401
