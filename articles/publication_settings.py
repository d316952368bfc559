"""What every page shares about the publication, editable in the admin without a deploy.

One record (pk 1). Values left empty fall back to the SITE_NAME / SITE_TAGLINE / DEFAULT_CTA
settings. While a page is rendered for a known content version (the page cache sets
`serving_version`, which every save of the record moves), the record is read once per version
through the cache; otherwise from the database.
"""

import contextvars

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils.encoding import iri_to_uri

CACHE_KEY = "masthead:publication-settings"


def validate_links(text: str) -> None:
    check = URLValidator(schemes=["http", "https"])
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                check(line.strip())
            except ValidationError:
                raise ValidationError(f"Line {number}: {line.strip()!r} is not an http(s) address.") from None


class PublicationSettings(models.Model):
    name = models.CharField("publication name", max_length=200, blank=True)
    tagline = models.CharField(max_length=300, blank=True)
    cta_text = models.TextField(
        "default call to action", blank=True, help_text="Shown under articles that have no call to action of their own."
    )
    cta_link = models.URLField("call to action link", max_length=500, blank=True)
    social_links = models.TextField(
        blank=True, validators=[validate_links], help_text="One profile address per line (Mastodon, Bluesky, GitHub…)."
    )
    logo = models.ImageField(upload_to="brand/", blank=True)
    logo_alt = models.CharField("logo alt text", max_length=200, blank=True)
    default_author = models.ForeignKey(
        "articles.Author", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="Imported articles that name no author are this author's (without one: an author named after the publication).",
    )
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "publication settings"

    def __str__(self):
        return "Publication settings"

    def save(self, *args, **kwargs):
        self.pk = 1  # one record
        # Characters a URL may not hold as typed (", <, spaces, non-ASCII) are percent-encoded,
        # so every page carrying them stays valid HTML; the address leads to the same place.
        self.cta_link = iri_to_uri(self.cta_link)
        self.social_links = "\n".join(iri_to_uri(link) for link in self.social_link_list)
        super().save(*args, **kwargs)

    @property
    def site_name(self) -> str:
        return self.name or settings.SITE_NAME

    @property
    def site_tagline(self) -> str:
        return self.tagline or settings.SITE_TAGLINE

    @property
    def default_cta(self) -> str:
        return self.cta_text or settings.DEFAULT_CTA

    @property
    def social_link_list(self) -> list[str]:
        return [line.strip() for line in self.social_links.splitlines() if line.strip()]


serving_version = contextvars.ContextVar("masthead_serving_version", default=None)


def current() -> PublicationSettings:
    """The settings record (unsaved defaults when none exists)."""
    version = serving_version.get()
    record = cache.get(f"{CACHE_KEY}:{version}") if version is not None else None
    if record is None:
        record = PublicationSettings.objects.filter(pk=1).first() or PublicationSettings(pk=1)
        if version is not None:
            cache.set(f"{CACHE_KEY}:{version}", record, settings.READER_CACHE_SECONDS or 600)
    return record
