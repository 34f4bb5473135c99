from django.contrib import admin, messages

from apps.core.errors import DomainError

from .models import (
    ActionItem,
    ActionItemComment,
    ActionItemReminder,
    DeliveryStatus,
    TicketWebhookEndpoint,
    TrackerExport,
    WebhookDelivery,
    WebhookDeliveryAttempt,
)
from .services import webhook_delivery_resend


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the services (state machine, audit, claims): the admin shows them."""

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ActionItem)
class ActionItemAdmin(ReadOnlyAdmin):
    """Read-only: reviews and moves go through the services (four eyes, state machine, audit)."""

    list_display = ["__str__", "incident", "kind", "review_state", "status", "owner", "due_date", "priority"]
    list_filter = ["review_state", "status", "kind", "priority"]
    search_fields = ["title"]


@admin.register(ActionItemComment)
class ActionItemCommentAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "author", "created_at"]
    raw_id_fields = ["item"]


@admin.register(ActionItemReminder)
class ActionItemReminderAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "kind", "owner_email", "emailed", "chat_sent", "error"]
    list_filter = ["day", "kind", "emailed", "chat_sent"]


@admin.register(TicketWebhookEndpoint)
class TicketWebhookEndpointAdmin(admin.ModelAdmin):
    """Where ticket events go. The secret is generated when the endpoint is added; give it to
    the receiver, which checks `X-MLIncidents-Signature` with it."""

    list_display = ["name", "url", "team", "is_active", "created_at"]
    list_filter = ["is_active", "team"]


class AttemptInline(admin.TabularInline):
    model = WebhookDeliveryAttempt
    extra = 0
    max_num = 0
    can_delete = False
    fields = readonly_fields = ["number", "at", "status_code", "error", "duration_ms"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "item", "status", "attempts", "last_status_code", "last_error", "created_at"]
    list_filter = ["status", "event", "endpoint"]
    raw_id_fields = ["item"]
    inlines = [AttemptInline]
    actions = ["send_again"]

    @admin.action(description="Send the failed deliveries again")
    def send_again(self, request, queryset) -> None:
        sent = 0
        for delivery in queryset.filter(status=DeliveryStatus.FAILED):
            try:
                webhook_delivery_resend(delivery_id=delivery.pk, actor=request.user)
                sent += 1
            except DomainError as error:
                self.message_user(request, error.detail, level=messages.WARNING)
        self.message_user(request, f"{sent} deliver{'y' if sent == 1 else 'ies'} queued again.")


@admin.register(TrackerExport)
class TrackerExportAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "status", "attempts", "last_status_code", "error", "external_url", "updated_at"]
    list_filter = ["status", "tracker"]
    raw_id_fields = ["item"]
