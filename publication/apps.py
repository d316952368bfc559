from django.apps import AppConfig


class PublicationConfig(AppConfig):
    """The project: connects what listens to content writes, so that every process (web
    worker, management command) has it. The content itself imports none of it."""

    name = "publication"

    def ready(self):
        from articles import content_version
        from articles.models import Article
        from articles.websub import events

        content_version.connect()
        events.connect(Article)
