"""The article admin: writing, publishing and scheduling, preview, revisions, autosave, review.

Roles (articles/roles.py) are enforced here on the server: querysets, has_*_permission,
read-only fields and action permissions, so a forged request gets no further than a button.
"""

import datetime as dt

import reversion
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timesince import timeuntil
from markdownx.admin import MarkdownxModelAdmin
from reversion.admin import VersionAdmin
from reversion.models import Version

from .. import preview
from ..dates import local
from ..models import Article, Autosave, Tag, current_publication, new_share_secret
from ..redirects import record_slug_change
from ..roles import author_for, can_publish, owns
from . import quality
from .forms import PUBLISH, REVIEW, SCHEDULE, UNPUBLISH, ArticleAdminForm, HttpsByDefault, ScheduleForm, publishing_action
from .revisions import CONTENT_FIELDS, PUBLISHING_FIELDS, field_diffs, snapshot_of_article, snapshot_of_version

# Derived fields are rebuilt on save; the lock counter means nothing in the past.
# share_secret: restoring an old version must not bring revoked share links back.
reversion.register(
    Article,
    exclude=[
        "version", "body_html", "read_time", "hero_width", "hero_height", "first_published", "review_requested",
        "share_secret",
    ],
)

# What the change form keeps in an autosave (text fields; files wait for a real save).
AUTOSAVED_FIELDS = [
    "title", "subtitle", "slug", "description", "body", "hero_image_alt", "hero_image_url", "cta",
    "read_time_override",
]


def status_line(article) -> str:
    """Where the article stands, in the site's time zone, as the change form says it."""
    if article.pk is None:
        return "Draft, not saved yet"
    moment = timezone.localtime(article.publish_date)
    if article.draft:
        text = "Draft"
        if article.was_public:
            text += f", unpublished (first published {date_format(timezone.localtime(article.first_published), 'j M Y, H:i')})"
        if article.review_requested:
            text += f", submitted for review {date_format(timezone.localtime(article.review_requested), 'j M Y, H:i')}"
        return text
    if article.status == Article.SCHEDULED:
        zone = timezone.get_current_timezone_name()
        until = timeuntil(article.publish_date, depth=1).replace("\xa0", " ")
        return f"Scheduled for {date_format(moment, 'D j M Y, H:i')} {zone} (in {until})"
    return f"Published {date_format(moment, 'j M Y, H:i')}"


PENDING = "pending"


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [
            (Article.DRAFT, "Draft"), (PENDING, "Pending review"), (Article.SCHEDULED, "Scheduled"),
            (Article.PUBLISHED, "Published"),
        ]

    def queryset(self, request, queryset):
        return {
            Article.DRAFT: queryset.drafts,
            PENDING: lambda: queryset.drafts().filter(review_requested__isnull=False),
            Article.SCHEDULED: queryset.scheduled,
            Article.PUBLISHED: queryset.published,
        }.get(self.value(), queryset.all)()


@admin.register(Article)
class ArticleAdmin(HttpsByDefault, VersionAdmin, MarkdownxModelAdmin):
    form = ArticleAdminForm
    list_display = ["title", "status_label", "author", "publish_date"]
    list_filter = [StatusFilter, "author", "tags"]
    list_select_related = ["author"]
    search_fields = ["title", "subtitle", "body"]
    date_hierarchy = "publish_date"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["author"]
    filter_horizontal = ["tags"]
    actions = ["publish_now", "schedule", "revert_to_draft", "revoke_share_links"]
    save_on_top = True  # the status line and the publishing buttons above the form too
    change_list_template = "admin/articles/article/change_list.html"
    object_history_template = "admin/articles/article/object_history.html"
    change_form_template = "admin/articles/article/change_form.html"

    class Media:
        css = {"all": ["admin/masthead/editor.css", "css/body.css"]}
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
        fields = [
            "status_label", "read_time", "created_date", "updated", "quality_panel", "preview_links", "share_preview",
        ]
        if not can_publish(request.user):
            fields += PUBLISHING_FIELDS  # not in the form at all: a forged value is ignored
        return fields

    def get_prepopulated_fields(self, request, obj=None):
        return self.prepopulated_fields if self.has_change_permission(request, obj) or obj is None else {}

    def get_fieldsets(self, request, obj=None):
        # The draft flag is no field: the publishing buttons (submit_line.html) change the state.
        # loaded_version and held_hero_image are hidden inputs, rendered at the form's top (change_form.html).
        main = ["title", "subtitle", "slug", "author", "description", "body"]
        fieldsets = [
            (None, {"fields": main}),
            ("Hero image", {"fields": ["hero_image", "hero_image_alt", "hero_image_url"]}),
            ("Publishing", {"fields": ["publish_date", "tags", "cta"]}),
            ("In search results and when shared", {"fields": ["share_preview"], "classes": ["share"]}),
            ("Reading time and dates", {"fields": ["read_time_override", "read_time", "created_date", "updated"]}),
        ]
        if obj is not None:
            fieldsets.insert(1, ("Preview", {"fields": ["preview_links"]}))
            fieldsets.insert(-1, ("Quality checks", {"fields": ["quality_panel"], "classes": ["quality"]}))
        return fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        action = publishing_action(request.POST, can_publish(request.user)) if request.method == "POST" else None
        return type(form.__name__, (form,), {"action": action})

    def view_on_site(self, article):
        """The live page once public; before that the preview, which only staff can open."""
        if article.is_public:
            return article.get_absolute_url()
        return reverse("admin:articles_article_preview", args=[article.pk])

    # ---- saving ------------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        if not change and not can_publish(request.user):
            obj.author, obj.draft = author_for(request.user), True
        self._apply_action(form, obj)
        before = Article.objects.filter(pk=obj.pk).values("slug", "first_published").first() if change else None
        if change:
            loaded = form.cleaned_data["loaded_version"]
            # The form checked the version under a row lock; this makes the claim atomic regardless.
            claimed = Article.objects.filter(pk=obj.pk, version=loaded).update(version=F("version") + 1)
            if not claimed:
                raise transaction.TransactionManagementError("The article changed while saving; nothing was saved.")
            obj.version = loaded + 1
        super().save_model(request, obj, form, change)
        if before and before["slug"] != obj.slug and Article(first_published=before["first_published"]).was_public:
            record_slug_change(obj, before["slug"])
        # The work is saved: the private copy of it is no longer needed.
        Autosave.objects.filter(user=request.user, article=obj if change else None).delete()

    @staticmethod
    def _apply_action(form, article):
        """The state the pressed button asks for; `_save` and `_continue` leave it as it is."""
        now = timezone.now()
        if form.action == PUBLISH:
            typed = abs(article.publish_date - form.stored_publish_date) >= dt.timedelta(minutes=1)
            if article.publish_date > now or not (article.was_public or typed):
                # Published before: its first date again; never published: dated when it goes out.
                article.publish_date = article.first_published if article.was_public else now
            article.draft = False
        elif form.action == SCHEDULE:
            article.draft = False  # the form checked the date is in the future
        elif form.action == UNPUBLISH:
            article.draft = True
        elif form.action == REVIEW and article.draft:
            article.review_requested = now

    ACTION_DONE = {
        PUBLISH: "Published “{}”: it is live now.",
        SCHEDULE: "Scheduled “{}”.",
        UNPUBLISH: "Unpublished “{}”: readers no longer see it.",
        REVIEW: "Submitted “{}” for review: editors see it under “Pending review”.",
    }

    def _advise(self, request, obj):
        """Warnings an editor can act on after a save (never reasons to refuse it)."""
        if (obj.hero_image or obj.hero_image_url) and not obj.hero_image_alt.strip():
            self.message_user(
                request, "The hero image has no alt text: describe it for readers who cannot see it.", messages.WARNING
            )
        if obj.draft and obj.publish_date > timezone.now() and can_publish(request.user):
            self.message_user(
                request,
                f"Saved as a draft, not scheduled: press “Schedule” to publish it on {local(obj.publish_date)}.",
                messages.WARNING,
            )

    def _after_action(self, request, obj):
        action = publishing_action(request.POST, can_publish(request.user))
        if action is None:
            return None
        text = self.ACTION_DONE[action].format(obj)
        if action == SCHEDULE:
            text += f" {status_line(obj)}."
        self.message_user(request, text, messages.SUCCESS)
        url = reverse("admin:articles_article_change", args=[obj.pk])
        return redirect(f"{url}?{request.GET.urlencode()}" if request.GET else url)

    def response_add(self, request, obj, post_url_continue=None):
        self._advise(request, obj)
        return self._after_action(request, obj) or super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        self._advise(request, obj)
        return self._after_action(request, obj) or super().response_change(request, obj)

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
        if article.draft and article.review_requested:
            return "draft, pending review"
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
        # Dated now unless published before (then its first date stays, as on the change form).
        self._apply(
            request, queryset, "Published", draft=False,
            publish_date=lambda a: (a.publish_date if a.publish_date <= now else a.first_published) if a.was_public else now,
        )

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
        self._apply(request, queryset, "Reverted to draft:", draft=True)  # revokes share links (Article.save)

    @admin.action(description="Revoke share links", permissions=["change"])
    def revoke_share_links(self, request, queryset):
        """Every preview link shared so far stops working (410); the change form shows a new one."""
        allowed = [a.pk for a in queryset if self.has_change_permission(request, a)]
        for pk in allowed:
            Article.objects.filter(pk=pk).update(share_secret=new_share_secret())
        self.message_user(
            request, f"Revoked the share links of {len(allowed)} article(s); new links are on their pages.",
            messages.SUCCESS,
        )

    def revoke_share_links_view(self, request, object_id):
        """The change form's "Revoke share links" button (POST)."""
        article = self._article(request, object_id)
        if request.method != "POST" or not self.has_change_permission(request, article):
            raise PermissionDenied
        self.revoke_share_links(request, Article.objects.filter(pk=article.pk))
        return redirect("admin:articles_article_change", article.pk)

    # ---- change form panels ------------------------------------------------------------

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # Read-only panels get only the article: hand preview_links the request's full address.
        if obj is not None:
            obj.absolute_share_url = preview.absolute_share_url(obj, request)
        context.update(
            status_line=status_line(obj or Article()),
            publishing_buttons=self.publishing_buttons(request, obj),
            autosave=self._autosave_offer(request, obj),
            autosave_url=self._autosave_url(obj),
            site_url=settings.SITE_URL.rstrip("/") or request.build_absolute_uri("/").rstrip("/"),
        )
        form = context.get("adminform") and context["adminform"].form
        if form is not None and getattr(form, "held_hero_name", ""):
            self.message_user(
                request,
                "Your new hero image is kept: it is saved with the article when the save goes through.",
                messages.INFO,
            )
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def publishing_buttons(self, request, obj) -> list[dict]:
        """The submit buttons that fit where the article stands (the first is what Enter presses)."""
        if obj is not None and not self.has_change_permission(request, obj):
            return []

        def button(name, label, default=False, title=""):
            return {"name": name, "label": label, "default": default, "title": title}

        save_title = "Saves the text; the article stays as it is (Ctrl+S)"
        if not can_publish(request.user):
            buttons = [button("_continue", "Save draft", True, save_title)]
            if obj is None or not obj.review_requested:
                buttons.append(button(REVIEW, "Submit for review", title="Asks an editor to publish it"))
            return buttons
        if obj is None or obj.draft:
            return [
                button("_continue", "Save draft", True, save_title),
                button(PUBLISH, "Publish now"),
                button(SCHEDULE, "Schedule", title="Publishes it at the date and time under “Publishing”"),
            ]
        if obj.status == Article.SCHEDULED:
            return [
                button("_continue", "Update", True, save_title),
                button(PUBLISH, "Publish now"),
                button(SCHEDULE, "Reschedule", title="Publishes it at the date and time under “Publishing”"),
                button(UNPUBLISH, "Unpublish", title="Back to draft: it will not go out"),
            ]
        return [
            button("_continue", "Update", True, save_title),
            button(UNPUBLISH, "Unpublish", title="Back to draft: readers no longer see it"),
        ]

    @admin.display(description="Preview")
    def share_preview(self, article):
        snippet = quality.search_snippet(article, settings.SITE_URL)
        if not article.slug:
            snippet["url"] = snippet["url"].replace("/articles//", "/articles/…/")
        return render_to_string(
            "admin/articles/article/_share_preview.html",
            {
                "snippet": snippet,
                "article": article,
                "image": article.hero_src if article.pk else "",
                "site_name": current_publication().site_name,
                "title_range": quality.TITLE_RANGE,
                "description_range": quality.DESCRIPTION_RANGE,
            },
        )

    @admin.display(description="Preview")
    def preview_links(self, article):
        if article.is_public:
            return format_html('Published: <a href="{}">the live page</a>.', article.get_absolute_url())
        days = settings.PREVIEW_LINK_MAX_AGE / 86400
        return format_html(
            '<a class="button" href="{}" target="_blank" rel="noopener">Open preview</a> '
            '<span class="share-preview">Share preview (anyone with the link, {} days): '
            '<input type="text" readonly size="60" aria-label="Share preview link" value="{}"></span> '
            '<button type="submit" class="button" formaction="{}" formnovalidate>Revoke share links</button>',
            reverse("admin:articles_article_preview", args=[article.pk]),
            f"{days:g}",
            # The full address to paste to someone outside (set by render_change_form, which has the request).
            getattr(article, "absolute_share_url", None) or preview.share_url(article),
            reverse("admin:articles_article_revoke_share_links", args=[article.pk]),
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
            path(
                "<path:object_id>/revoke-share-links/",
                view(self.revoke_share_links_view),
                name="articles_article_revoke_share_links",
            ),
            path("<path:object_id>/history/compare/", view(self.compare_view), name="articles_article_compare"),
            path("autosave/", view(self.autosave_view), name="articles_article_autosave_new"),
            path("<path:object_id>/autosave/", view(self.autosave_view), name="articles_article_autosave"),
        ] + super().get_urls()

    def _article(self, request, object_id):
        article = get_object_or_404(self.get_queryset(request), pk=unquote(object_id))
        if not self.has_view_permission(request, article):
            raise PermissionDenied
        return article

    # ---- autosave -----------------------------------------------------------------------

    def _autosave_url(self, obj):
        if obj is None:
            return reverse("admin:articles_article_autosave_new")
        return reverse("admin:articles_article_autosave", args=[obj.pk])

    def autosave_view(self, request, object_id=None):
        """POST the form's text fields: kept as this editor's private copy (nothing public changes).
        POST with `discard`: forget it."""
        if request.method != "POST":
            return JsonResponse({"error": "POST the form's fields."}, status=405)
        article = None
        if object_id is not None:
            article = get_object_or_404(self.get_queryset(request), pk=unquote(object_id))
            if not self.has_change_permission(request, article):
                raise PermissionDenied
        elif not self.has_add_permission(request):
            raise PermissionDenied
        mine = Autosave.objects.filter(user=request.user, article=article)
        if "discard" in request.POST:
            mine.delete()
            return JsonResponse({"discarded": True})
        fields = {name: request.POST.get(name, "")[:200_000] for name in AUTOSAVED_FIELDS if name in request.POST}
        if not fields:
            return JsonResponse({"error": "Nothing to keep."}, status=400)
        version = request.POST.get("loaded_version", "")
        with transaction.atomic():
            kept = mine.select_for_update().first() or Autosave(user=request.user, article=article)
            kept.fields = fields
            kept.base_version = int(version) if version.isdigit() else None
            kept.save()
        return JsonResponse({"saved": date_format(timezone.localtime(kept.saved), "H:i:s")})

    def _autosave_offer(self, request, obj):
        """The editor's unsaved copy, when it holds something the article does not."""
        if request.method == "POST" or (obj is not None and not self.has_change_permission(request, obj)):
            return None
        kept = Autosave.objects.filter(user=request.user, article=obj).first()
        if kept is None:
            return None
        current = {name: "" for name in AUTOSAVED_FIELDS}
        if obj is not None:
            current = {name: "" if getattr(obj, name) is None else str(getattr(obj, name)) for name in AUTOSAVED_FIELDS}
        differs = any(value.replace("\r\n", "\n") != current.get(name, "") for name, value in kept.fields.items())
        if not differs:
            kept.delete()
            return None
        return {
            "saved": local(kept.saved),
            "fields": kept.fields,
            "stale": obj is not None and kept.base_version not in (None, obj.version),
        }

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
            "status_line": status_line(article),
            "can_restore": self.has_change_permission(request, article),
            "changes": field_diffs(snapshot_of_article(article), snapshot_of_version(version), CONTENT_FIELDS),
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
        """Text, images and tags come back; whether and when it is public stays as it is now."""
        data = version.field_dict
        with transaction.atomic(), reversion.create_revision():
            article = Article.objects.select_for_update().get(pk=article.pk)
            old_slug = article.slug
            for name in CONTENT_FIELDS:
                if name == "tags":
                    continue
                attname = Article._meta.get_field(name).attname
                if attname in data:
                    setattr(article, attname, data[attname])
            article.version += 1
            article.save()
            if article.was_public:
                record_slug_change(article, old_slug)
            if "tags" in data:
                article.tags.set(Tag.objects.filter(pk__in=data["tags"]))
            reversion.set_user(request.user)
            reversion.set_comment(f"Restored the version of {local(version.revision.date_created)}")
        self.log_change(request, article, f"Restored the version of {local(version.revision.date_created)}")
