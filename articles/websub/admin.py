"""The hub and webhooks in the admin: who subscribes to what, what went out, what failed.

Secrets are never shown: subscribers' secrets are not in any form or list, and a webhook's
secret is shown once, in the message after the webhook is made.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.html import format_html

from . import outbound
from .models import Delivery, Job, PublishEvent, Subscription, SubscriptionRequest, Webhook


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows the hub writes: editors look, they do not type them in."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = ["topic_path", "callback", "live", "expires_at", "failing_since", "signed", "verified_at"]
    list_filter = ["status", "topic_path"]
    search_fields = ["topic", "callback"]
    fields = ["topic", "callback", "status", "lease_seconds", "expires_at", "failing_since", "verified_at", "signed"]
    readonly_fields = fields

    @admin.display(boolean=True, description="live")
    def live(self, subscription):
        return subscription.is_live

    @admin.display(boolean=True, description="signed")
    def signed(self, subscription):
        return bool(subscription.secret)

    def changelist_view(self, request, extra_context=None):
        now = timezone.now()
        topics = (
            Subscription.objects.values("topic_path")
            .annotate(
                live=Count("pk", filter=Q(status=Subscription.ACTIVE, expires_at__gt=now)),
                failing=Count("pk", filter=Q(failing_since__isnull=False)),
            )
            .order_by("topic_path")
        )
        summary = "; ".join(f"{t['topic_path']}: {t['live']} live, {t['failing']} failing" for t in topics)
        if summary:
            messages.info(request, f"Subscribers per topic: {summary}")
        return super().changelist_view(request, extra_context)


@admin.register(SubscriptionRequest)
class SubscriptionRequestAdmin(ReadOnlyAdmin):
    list_display = ["created", "mode", "topic", "callback", "status", "last_error"]
    list_filter = ["mode", "status"]
    search_fields = ["topic", "callback"]
    fields = ["mode", "topic", "callback", "lease_seconds", "status", "attempts", "last_error", "created"]
    readonly_fields = fields


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["created", "event_kind", "target", "url", "topic", "status", "attempts", "response_status", "delivered_at", "last_error"]
    list_filter = ["status", "target", "event__kind"]
    search_fields = ["url", "topic"]
    list_select_related = ["event"]
    fields = ["uuid", "event", "target", "url", "topic", "status", "attempts", "due_at", "response_status", "delivered_at", "last_error", "created"]
    readonly_fields = fields

    @admin.display(description="event", ordering="event__kind")
    def event_kind(self, delivery):
        return delivery.event.kind


class DeliveryInline(admin.TabularInline):
    model = Delivery
    fields = ["created", "event", "status", "attempts", "response_status", "delivered_at", "last_error"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ["-created"]
    verbose_name_plural = "delivery log (newest first)"

    def get_queryset(self, request):
        # The latest 50: a webhook with years of history still opens at once.
        queryset = super().get_queryset(request).select_related("event")
        latest = list(queryset.order_by("-created", "-id").values_list("pk", flat=True)[:50])
        return queryset.filter(pk__in=latest)


class WebhookForm(forms.ModelForm):
    url = forms.URLField(label="URL", max_length=2000, assume_scheme="https", help_text=Webhook._meta.get_field("url").help_text)

    class Meta:
        model = Webhook
        fields = ["url", "description", "on_published", "on_updated", "on_unpublished", "active"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            outbound.check_url(url)
        except outbound.RefusedAddress as refused:
            raise ValidationError(f"This address is not accepted: {refused}.") from None
        return url


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    form = WebhookForm
    list_display = ["url", "description", "on_published", "on_updated", "on_unpublished", "active", "last_delivery"]
    list_filter = ["active"]
    inlines = [DeliveryInline]

    @admin.display(description="last delivery")
    def last_delivery(self, webhook):
        delivery = webhook.deliveries.order_by("-created", "-id").first()
        if delivery is None:
            return "—"
        return format_html("{} ({})", delivery.status, delivery.response_status or delivery.last_error[:60] or "…")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            messages.warning(
                request,
                format_html(
                    "Deliveries to this webhook are signed with HMAC-SHA256 in the X-Masthead-Signature header. "
                    "Its secret, shown this once: <code>{}</code>",
                    obj.secret,
                ),
            )


@admin.register(PublishEvent)
class PublishEventAdmin(ReadOnlyAdmin):
    list_display = ["due_at", "kind", "title", "status", "fired_at", "delivery_count", "last_error"]
    list_filter = ["kind", "status"]
    list_select_related = ["article"]
    search_fields = ["payload", "key"]
    fields = ["kind", "article", "article_uuid", "due_at", "status", "fired_at", "attempts", "payload", "last_error"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(delivery_count=Count("deliveries"))

    @admin.display(description="article")
    def title(self, event):
        return event.payload.get("title") or (event.article.title if event.article else event.article_uuid)

    @admin.display(description="deliveries", ordering="delivery_count")
    def delivery_count(self, event):
        failed = event.deliveries.filter(status=Job.FAILED).count() if event.delivery_count else 0
        return f"{event.delivery_count}" + (f" ({failed} failed)" if failed else "")
