from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from .models import Article


class LatestArticlesFeed(Feed):
    """RSS 2.0: the newest public articles."""

    description_template = None

    def title(self):
        return settings.SITE_NAME

    def description(self):
        return settings.SITE_TAGLINE

    def link(self):
        return reverse("article_list")

    def feed_url(self):
        return reverse("feed_rss")

    def items(self):
        return Article.objects.published().select_related("author").newest_first()[: settings.FEED_ITEMS]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.description or item.subtitle

    def item_author_name(self, item):
        return item.author.name

    def item_pubdate(self, item):
        return item.publish_date

    def item_updateddate(self, item):
        return max(item.updated, item.publish_date)

    def item_guid(self, item):
        return item.uuid.urn

    item_guid_is_permalink = False


class LatestArticlesAtomFeed(LatestArticlesFeed):
    feed_type = Atom1Feed
    subtitle = LatestArticlesFeed.description

    def feed_url(self):
        return reverse("feed_atom")
