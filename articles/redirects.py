"""Old addresses answer 301 to the article they led to (articles.models.Redirect)."""

from django.http import HttpResponsePermanentRedirect
from django.utils.encoding import iri_to_uri

from .models import Article, Redirect


class RedirectFallbackMiddleware:
    """Like django.contrib.redirects' middleware: consulted only when a page is not found, so
    a redirect never shadows a live page, and the lookup costs nothing on every other request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 404 or request.method not in ("GET", "HEAD"):
            return response
        # An old address with its query string (`/?p=123`) names the article whole; an old path
        # alone passes the request's query on (campaign tags, a page number) to the new address.
        article = Redirect.objects.target_for(request.get_full_path())
        if article is not None:
            return HttpResponsePermanentRedirect(article.get_absolute_url())
        article = Redirect.objects.target_for(request.path)
        if article is None:
            return response
        query = iri_to_uri(request.META.get("QUERY_STRING", ""))
        return HttpResponsePermanentRedirect(article.get_absolute_url() + (f"?{query}" if query else ""))


def record_slug_change(article: Article, old_slug: str) -> None:
    """Keep a published article's previous address working after its slug changed."""
    if old_slug and old_slug != article.slug:
        old = Article(slug=old_slug).get_absolute_url()
        Redirect.objects.record(old, article)
        # The new address may itself have been an old one: it is the article's own again.
        Redirect.objects.filter(old_path=article.get_absolute_url()).delete()
