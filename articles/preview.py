"""Drafts and scheduled articles rendered exactly as readers will see them, never public.

Staff open a preview from the admin; a signed, expiring link (django.core.signing) shows the
same preview to someone without an account. The link carries the article's share secret:
reverting it to draft, unpublishing it or "Revoke share links" gives it a new one, and every
link shared before answers 410 Gone, as an expired one does. A preview is never cached nor
indexed, and once the article is published its preview links lead to the live page.
"""

import hmac

from django.conf import settings
from django.core import signing
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache

from .addresses import absolute_url
from .models import Article

SALT = "masthead.preview"


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def share_token(article: Article) -> str:
    # The uuid never changes, so a link survives a slug change; the secret changes on revocation.
    return _signer().sign(f"{article.uuid}.{article.share_secret}")


def share_url(article: Article) -> str:
    return reverse("article_share_preview", kwargs={"token": share_token(article)})


def absolute_share_url(article: Article, request) -> str:
    """The share link as the full address to paste to someone: SITE_URL's host when set (the
    public address behind a proxy), else the host the editor is using."""
    return absolute_url(request, share_url(article))


def render_preview(request, article: Article):
    """The reader's template with the preview banner; or the live page once it is public."""
    if article.is_public:
        return redirect(article.get_absolute_url())
    response = TemplateResponse(request, "articles/article_detail.html", {"article": article, "preview": True})
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def link_gone(request, reason: str):
    response = TemplateResponse(request, "articles/share_link_gone.html", {"reason": reason}, status=410)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
def shared_preview(request, token: str):
    try:
        payload = _signer().unsign(token, max_age=settings.PREVIEW_LINK_MAX_AGE)
    except signing.SignatureExpired:
        return link_gone(request, "expired")
    except signing.BadSignature:  # not a link this site made
        raise Http404("This preview link is not valid.") from None
    article_uuid, _, secret = payload.partition(".")
    article = get_object_or_404(Article.objects.select_related("author"), uuid=article_uuid)
    if not hmac.compare_digest(secret, article.share_secret):
        if article.is_public:  # an old link of an article now live: the live page, as before
            return redirect(article.get_absolute_url())
        return link_gone(request, "revoked")
    return render_preview(request, article)
