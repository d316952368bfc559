"""The hubs a feed advertises (WebSub section 4): this site's own hub, then any external ones."""

from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse


def hub_urls(self_url: str) -> list[str]:
    """The hubs for the feed at `self_url` (absolute): this site's hub on the same origin first."""
    parts = urlsplit(self_url)
    return [f"{parts.scheme}://{parts.netloc}{reverse('websub_hub')}", *settings.WEBSUB_EXTERNAL_HUBS]


def link_header(self_url: str) -> str:
    """The `Link` header value of a feed response or a delivery: its hubs and itself."""
    return ", ".join([*(f'<{hub}>; rel="hub"' for hub in hub_urls(self_url)), f'<{self_url}>; rel="self"'])


def write_hub_links(handler, self_url: str, element: str) -> None:
    """The feed's `rel="hub"` links, for an RSS (`atom:link`) or Atom (`link`) generator; both
    generators write `rel="self"` themselves from the feed URL."""
    for hub in hub_urls(self_url):
        handler.addQuickElement(element, "", {"rel": "hub", "href": hub})
