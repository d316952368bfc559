"""The editors' workspace: scheduling, preview, revisions, roles, quality checks.

Roles (articles/roles.py) are enforced here on the server: querysets, has_*_permission,
read-only fields and action permissions, so a forged request gets no further than a button.
"""

import difflib

import reversion
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import F
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from markdownx.admin import MarkdownxModelAdmin
from reversion.admin import VersionAdmin
from reversion.models import Version

from . import preview, quality
from .forms import ArticleAdminForm, PublicationSettingsForm, ScheduleForm
from .models import Article, Author, PublicationSettings, Tag
from .roles import author_for, can_publish, owns

# Derived fields are rebuilt on save; the lock counter means nothing in the past.
reversion.register(Article, exclude=["version", "body_html", "read_time", "hero_width", "hero_height"])
reversion.register(PublicationSettings)

# What a revision shows and restores, in form order; publishing fields only for publishers.
CONTENT_FIELDS = [
    "title", "subtitle", "slug", "description", "body", "hero_image", "hero_image_url",
    "hero_image_alt", "cta", "read_time_override", "tags",
]
PUBLISHING_FIELDS = ["author", "draft", "publish_date"]


def local(moment) -> str:
    return date_format(timezone.localtime(moment), "j F Y, H:i")


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [(Article.DRAFT, "Draft"), (Article.SCHEDULED, "Scheduled"), (Article.PUBLISHED, "Published")]

    def queryset(self, request, queryset):
        return {
            Article.DRAFT: queryset.drafts,
            Article.SCHEDULED: queryset.scheduled,
            Article.PUBLISHED: queryset.published,
        }.get(self.value(), queryset.all)()


def _field_text(name: str, value) -> str:
    """A field's value as an editor reads it in a diff."""
    if value in (None, ""):
        return ""
    if name == "author":
        return str(Author.objects.filter(pk=value).first() or value)
    if name == "tags":
        return ", ".join(Tag.objects.filter(pk__in=value).order_by("name").values_list("name", flat=True))
    if name == "publish_date":
        return local(value)
    if name == "draft":
        return "draft" if value else "not a draft"
    return str(value)


def snapshot_of_version(version) -> dict:
    data = version.field_dict
    values = {name: data.get(name) for name in CONTENT_FIELDS if name != "tags"}
    values.update(author=data.get("author_id"), draft=data.get("draft"), publish_date=data.get("publish_date"))
    values["tags"] = [int(pk) for pk in data.get("tags", [])]
    return {name: _field_text(name, values[name]) for name in CONTENT_FIELDS + PUBLISHING_FIELDS}


def snapshot_of_article(article) -> dict:
    values = {name: getattr(article, name) for name in CONTENT_FIELDS if name != "tags"}
    values.update(author=article.author_id, draft=article.draft, publish_date=article.publish_date)
    values["tags"] = list(article.tags.values_list("pk", flat=True))
    return {name: _field_text(name, values[name]) for name in CONTENT_FIELDS + PUBLISHING_FIELDS}


def field_diffs(old: dict, new: dict) -> list[dict]:
    """Changed fields, each with its unified diff lines classified for display (escaped by the template)."""
    changes = []
    for name in CONTENT_FIELDS + PUBLISHING_FIELDS:
        if old[name] == new[name]:
            continue
        lines = difflib.unified_diff(old[name].splitlines(), new[name].splitlines(), lineterm="", n=2)
        rows = []
        for line in list(lines)[2:]:  # skip the ---/+++ header
            kind = {"+": "added", "-": "removed", "@": "hunk"}.get(line[:1], "same")
            rows.append({"kind": kind, "text": line[1:] if kind != "hunk" else "…"})
        changes.append({"field": Article._meta.get_field(name).verbose_name, "rows": rows})
    return changes


class HttpsByDefault:
    """Addresses typed without a scheme are taken as https:// (Django 6's default, today)."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs.setdefault("assume_scheme", "https")
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(Article)
class ArticleAdmin(HttpsByDefault, VersionAdmin, MarkdownxModelAdmin):
    form = ArticleAdminForm
    list_display = ["title", "author", "status_label", "publish_date"]
    list_filter = [StatusFilter, "author", "tags"]
    list_select_related = ["author"]
    search_fields = ["title", "subtitle", "body"]
    date_hierarchy = "publish_date"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["author"]
    filter_horizontal = ["tags"]
    actions = ["publish_now", "schedule", "revert_to_draft"]
    change_list_template = "admin/articles/article/change_list.html"
    object_history_template = "admin/articles/article/object_history.html"
    change_form_template = "admin/articles/article/change_form.html"

    class Media:
        css = {"all": ["admin/masthead/editor.css"]}
        js = ["admin/masthead/editor.js"]

    # ---- roles -------------------------------------------------------------------------

    def get_queryset(self, request):
        articles = super().get_queryset(request)
        if can_publish(request.user):
            return articles
        return articles.filter(author__user=request.user)  # contributors see their own

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or can_publish(request.user) or owns(request.user, obj))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if not allowed or obj is None or can_publish(request.user):
            return allowed
        return owns(request.user, obj) and obj.draft  # contributors: their own drafts only

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or can_publish(request.user) or (owns(request.user, obj) and obj.draft))

    def has_publish_permission(self, request):
        return can_publish(request.user)

    def get_readonly_fields(self, request, obj=None):
        fields = ["status_label", "read_time", "created_date", "updated", "quality_panel", "preview_links"]
        if not can_publish(request.user):
            fields += PUBLISHING_FIELDS  # not in the form at all: a forged value is ignored
        return fields

    def get_prepopulated_fields(self, request, obj=None):
        return self.prepopulated_fields if self.has_change_permission(request, obj) or obj is None else {}

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (None, {"fields": ["title", "subtitle", "slug", "author", "description", "body", "loaded_version"]}),
            ("Hero image", {"fields": ["hero_image", "hero_image_alt", "hero_image_url"]}),
            ("Publishing", {"fields": ["draft", "publish_date", "tags", "cta"]}),
            ("Reading time and dates", {"fields": ["read_time_override", "read_time", "created_date", "updated"]}),
        ]
        if obj is not None:
            fieldsets[2][1]["fields"].insert(0, "status_label")
            fieldsets.insert(1, ("Preview", {"fields": ["preview_links"]}))
            fieldsets.insert(-1, ("Quality checks", {"fields": ["quality_panel"], "classes": ["quality"]}))
        return fieldsets

    # ---- saving ------------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        if not change and not can_publish(request.user):
            obj.author, obj.draft = author_for(request.user), True
        if change:
            loaded = form.cleaned_data["loaded_version"]
            # The form checked the version under a row lock; this makes the claim atomic regardless.
            claimed = Article.objects.filter(pk=obj.pk, version=loaded).update(version=F("version") + 1)
            if not claimed:
                raise transaction.TransactionManagementError("The article changed while saving; nothing was saved.")
            obj.version = loaded + 1
        super().save_model(request, obj, form, change)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if can_publish(request.user) and "author" not in initial:
            author = getattr(request.user, "author", None)
            if author:
                initial["author"] = author.pk
        return initial

    # ---- list --------------------------------------------------------------------------

    @admin.display(description="status", ordering="publish_date")
    def status_label(self, article):
        if article.status == Article.SCHEDULED:
            return f"scheduled for {local(article.publish_date)}"
        return article.status

    def _apply(self, request, queryset, verb: str, **changes):
        count = 0
        with transaction.atomic():
            chosen = list(queryset.values_list("pk", flat=True))  # the list's query may be DISTINCT
            for article in Article.objects.select_for_update().filter(pk__in=chosen):
                for name, value in changes.items():
                    setattr(article, name, value(article) if callable(value) else value)
                article.version += 1  # open change forms now hold an older version
                article.save()
                count += 1
            if reversion.is_active():
                reversion.set_comment(f"{verb.rstrip(':')} (bulk action)")
        self.message_user(request, f"{verb} {count} article(s).", messages.SUCCESS)

    @admin.action(description="Publish now", permissions=["publish"])
    def publish_now(self, request, queryset):
        now = timezone.now()
        self._apply(request, queryset, "Published", draft=False, publish_date=lambda a: min(a.publish_date, now))

    @admin.action(description="Schedule for a date…", permissions=["publish"])
    def schedule(self, request, queryset):
        form = ScheduleForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            when = form.cleaned_data["publish_date"]
            self._apply(request, queryset, f"Scheduled for {local(when)}:", draft=False, publish_date=when)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Schedule articles",
            "opts": self.model._meta,
            "articles": queryset,
            "form": form,
            "media": self.media + form.media,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "time_zone": timezone.get_current_timezone_name(),
        }
        return TemplateResponse(request, "admin/articles/article/schedule.html", context)

    @admin.action(description="Revert to draft", permissions=["publish"])
    def revert_to_draft(self, request, queryset):
        self._apply(request, queryset, "Reverted to draft:", draft=True)

    # ---- change form panels ------------------------------------------------------------

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # Read-only panels get only the article: hand preview_links the request's full address.
        if obj is not None:
            obj.absolute_share_url = preview.absolute_share_url(obj, request)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    @admin.display(description="Preview")
    def preview_links(self, article):
        if article.is_public:
            return format_html('Published: <a href="{}">the live page</a>.', article.get_absolute_url())
        days = settings.PREVIEW_LINK_MAX_AGE / 86400
        return format_html(
            '<a class="button" href="{}" target="_blank" rel="noopener">Open preview</a> '
            '<span class="share-preview">Share preview (anyone with the link, {} days): '
            '<input type="text" readonly size="60" aria-label="Share preview link" value="{}"></span>',
            reverse("admin:articles_article_preview", args=[article.pk]),
            f"{days:g}",
            # The full address to paste to someone outside (set by render_change_form, which has the request).
            getattr(article, "absolute_share_url", None) or preview.share_url(article),
        )

    @admin.display(description="Checks")
    def quality_panel(self, article):
        return render_to_string(
            "admin/articles/article/_quality.html",
            {
                "checks": quality.checks(article, self.published_slugs(article)),
                "snippet": quality.search_snippet(article, settings.SITE_URL),
            },
        )

    @staticmethod
    def published_slugs(article) -> list[str]:
        """Earlier slugs the article was public under: links to them now break."""
        slugs = set()
        for version in Version.objects.get_for_object(article).select_related("revision"):
            data = version.field_dict
            when = data.get("publish_date")
            if not data.get("draft") and when and when <= version.revision.date_created:
                slugs.add(data.get("slug"))
        return sorted(slugs - {article.slug, None})

    # ---- extra views -------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("upcoming/", view(self.upcoming_view), name="articles_article_upcoming"),
            path("<path:object_id>/preview/", view(self.preview_view), name="articles_article_preview"),
            path("<path:object_id>/history/compare/", view(self.compare_view), name="articles_article_compare"),
        ] + super().get_urls()

    def _article(self, request, object_id):
        article = get_object_or_404(self.get_queryset(request), pk=unquote(object_id))
        if not self.has_view_permission(request, article):
            raise PermissionDenied
        return article

    def upcoming_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": "Upcoming articles",
            "opts": self.model._meta,
            "articles": self.get_queryset(request).scheduled().select_related("author").order_by("publish_date"),
        }
        return TemplateResponse(request, "admin/articles/article/upcoming.html", context)

    def preview_view(self, request, object_id):
        response = preview.render_preview(request, self._article(request, object_id))
        response["Cache-Control"] = "no-cache, no-store, must-revalidate, private, max-age=0"
        return response

    def _versions(self, article):
        return Version.objects.get_for_object(article).select_related("revision__user")

    def history_view(self, request, object_id, extra_context=None):
        article = self._article(request, object_id)
        versions = [
            {"version": version, "url": reverse("admin:articles_article_revision", args=[article.pk, version.pk])}
            for version in self._versions(article)
        ]
        return super().history_view(request, object_id, {"versions": versions, **(extra_context or {})})

    def compare_view(self, request, object_id):
        article = self._article(request, object_id)
        versions = self._versions(article)
        old = get_object_or_404(versions, pk=request.GET.get("old") or 0)
        new_id = request.GET.get("new") or "current"
        if new_id == "current":
            new, new_values = None, snapshot_of_article(article)
        else:
            new = get_object_or_404(versions, pk=new_id)
            new_values = snapshot_of_version(new)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Compare versions of “{article}”",
            "opts": self.model._meta,
            "original": article,
            "old": old,
            "new": new,
            "changes": field_diffs(snapshot_of_version(old), new_values),
        }
        return TemplateResponse(request, "admin/articles/article/compare.html", context)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        """Show what restoring a version would change; restore it on POST, as a new revision.

        Replaces django-reversion's revert-then-edit form so restoring respects roles and the
        version lock: contributors restore content, not publishing state.
        """
        article = self._article(request, object_id)
        version = get_object_or_404(self._versions(article), pk=version_id)
        if request.method == "POST":
            if not self.has_change_permission(request, article):
                raise PermissionDenied
            self._restore(request, article, version)
            self.message_user(
                request, f"Restored the version of {local(version.revision.date_created)} as a new revision.",
                messages.SUCCESS,
            )
            return redirect("admin:articles_article_change", article.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Restore “{article}”",
            "opts": self.model._meta,
            "original": article,
            "old": version,
            "restore": True,
            "can_restore": self.has_change_permission(request, article),
            "changes": field_diffs(snapshot_of_article(article), snapshot_of_version(version)),
        }
        return TemplateResponse(request, "admin/articles/article/compare.html", context)

    def recoverlist_view(self, request, extra_context=None):
        if not can_publish(request.user):
            raise PermissionDenied  # deleted articles of every author
        return super().recoverlist_view(request, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        if not can_publish(request.user):
            raise PermissionDenied  # a recovered article keeps its old publishing state
        # Its address may have been taken since it was deleted: say so (django-reversion's own
        # words for the database's refusal are "missing dependency").
        data = get_object_or_404(Version, pk=version_id).field_dict
        holder = Article.objects.filter(slug=data.get("slug")).first() or Article.objects.filter(uuid=data.get("uuid")).first()
        if holder is not None:
            self.message_user(
                request,
                format_html(
                    "Cannot recover it: its address /articles/{}/ is now used by “{}”. Change that article's "
                    "slug, then recover this one.",
                    data.get("slug"),
                    holder,
                ),
                messages.ERROR,
            )
            return redirect("admin:articles_article_recoverlist")
        return super().recover_view(request, version_id, extra_context)

    def _restore(self, request, article, version):
        data = version.field_dict
        fields = CONTENT_FIELDS + (PUBLISHING_FIELDS if can_publish(request.user) else [])
        with transaction.atomic(), reversion.create_revision():
            article = Article.objects.select_for_update().get(pk=article.pk)
            for name in fields:
                if name == "tags":
                    continue
                attname = Article._meta.get_field(name).attname
                if attname in data:
                    setattr(article, attname, data[attname])
            if not Author.objects.filter(pk=article.author_id).exists():
                article.author_id = Article.objects.values_list("author_id", flat=True).get(pk=article.pk)
            article.version += 1
            article.save()
            if "tags" in data:
                article.tags.set(Tag.objects.filter(pk__in=data["tags"]))
            reversion.set_user(request.user)
            reversion.set_comment(f"Restored the version of {local(version.revision.date_created)}")
        self.log_change(request, article, f"Restored the version of {local(version.revision.date_created)}")


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "user"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            from django.contrib.auth import get_user_model

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
