"""Template helpers for the admin's editorial pages."""

from django import template

from ..models import Article
from ..roles import can_publish

register = template.Library()


@register.simple_tag(takes_context=True)
def pending_review(context):
    """How many drafts contributors submitted for review; None for those who cannot publish."""
    request = context.get("request")
    if request is None or not can_publish(request.user):
        return None
    return Article.objects.drafts().filter(review_requested__isnull=False).count()
