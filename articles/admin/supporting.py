"""The admins of what articles refer to: authors, tags, old addresses, the publication's settings."""

import reversion
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from reversion.admin import VersionAdmin

from ..models import Author, PublicationSettings, Redirect, Tag
from .forms import AuthorAdminForm, HttpsByDefault, PublicationSettingsForm

reversion.register(PublicationSettings)


@admin.register(Redirect)
class RedirectAdmin(admin.ModelAdmin):
    """Old addresses that answer 301: made by slug changes and imports, or added by hand."""

    list_display = ["old_path", "article", "leads_to", "created"]
    search_fields = ["old_path", "article__title", "article__slug"]
    autocomplete_fields = ["article"]
    list_select_related = ["article"]

    @admin.display(description="leads to")
    def leads_to(self, redirect):
        article = redirect.article
        note = "" if article.is_public else " (not public: answers 404 until it is)"
        return f"{article.get_absolute_url()}{note}"


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    form = AuthorAdminForm
    list_display = ["name", "slug", "user"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = get_user_model().objects.filter(is_staff=True).order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(PublicationSettings)
class PublicationSettingsAdmin(HttpsByDefault, VersionAdmin):
    """One record: the list goes straight to it; it can be neither added twice nor deleted."""

    form = PublicationSettingsForm
    fieldsets = [
        (None, {"fields": ["name", "tagline"]}),
        ("Default call to action", {"fields": ["cta_text", "cta_link"]}),
        ("Brand and profiles", {"fields": ["logo", "logo_alt", "social_links"]}),
        ("Importing", {"fields": ["default_author"]}),
    ]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not PublicationSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def get_object(self, request, object_id, from_field=None):
        if str(object_id) == "1":  # the one record exists from its first visit on
            return PublicationSettings.objects.get_or_create(pk=1)[0]
        return None

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        record, _ = PublicationSettings.objects.get_or_create(pk=1)
        return redirect("admin:articles_publicationsettings_change", record.pk)

    def recoverlist_view(self, request, extra_context=None):
        raise Http404
