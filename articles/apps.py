from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _after_migrate(**kwargs):
    from .roles import sync_groups
    from .search import ensure_sqlite_index

    sync_groups()
    # Altering articles_article on SQLite remakes the table and drops the search triggers.
    ensure_sqlite_index(kwargs.get("using"))


class ArticlesConfig(AppConfig):
    name = "articles"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Keep the role groups' permissions in step with the models after every migrate.
        post_migrate.connect(_after_migrate, sender=self)
