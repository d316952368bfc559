from django.contrib import admin, messages
from django.utils import timezone
from django.utils.formats import date_format
from markdownx.admin import MarkdownxModelAdmin

from .models import Article, Author, Tag


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


@admin.register(Article)
class ArticleAdmin(MarkdownxModelAdmin):
    list_display = ["title", "author", "status_label", "publish_date"]
    list_filter = [StatusFilter, "author", "tags"]
    list_select_related = ["author"]
    search_fields = ["title", "subtitle", "body"]
    date_hierarchy = "publish_date"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["author"]
    filter_horizontal = ["tags"]
    readonly_fields = ["read_time", "created_date", "updated"]
    actions = ["publish_now", "revert_to_draft"]
    fieldsets = [
        (None, {"fields": ["title", "subtitle", "slug", "author", "description", "body"]}),
        ("Hero image", {"fields": ["hero_image", "hero_image_url", "hero_image_alt"]}),
        ("Publishing", {"fields": ["draft", "publish_date", "tags", "cta"]}),
        ("Reading time and dates", {"fields": ["read_time_override", "read_time", "created_date", "updated"]}),
    ]

    @admin.display(description="status", ordering="publish_date")
    def status_label(self, article):
        if article.status == Article.SCHEDULED:
            local = timezone.localtime(article.publish_date)
            return f"scheduled for {date_format(local, 'j F Y, H:i')}"
        return article.status

    @admin.action(description="Publish now", permissions=["change"])
    def publish_now(self, request, queryset):
        count = 0
        for article in queryset:
            article.draft = False
            if article.publish_date > timezone.now():
                article.publish_date = timezone.now()
            article.save()
            count += 1
        self.message_user(request, f"Published {count} article(s).", messages.SUCCESS)

    @admin.action(description="Revert to draft", permissions=["change"])
    def revert_to_draft(self, request, queryset):
        count = queryset.update(draft=True, updated=timezone.now())
        self.message_user(request, f"Reverted {count} article(s) to draft.", messages.SUCCESS)


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "user"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
