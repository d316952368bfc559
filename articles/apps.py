from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _after_migrate(**kwargs):
    from .roles import sync_groups
    from .search.sqlite import restore_after_migrate

    sync_groups()
    # Altering articles_article on SQLite remakes the table and drops the search triggers.
    restore_after_migrate(kwargs.get("using"))


class ArticlesConfig(AppConfig):
    name = "articles"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Keep the role groups' permissions in step with the models after every migrate.
        post_migrate.connect(_after_migrate, sender=self)
