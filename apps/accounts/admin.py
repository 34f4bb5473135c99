from django.contrib import admin

from .models import ApiToken, BotAccount, Membership, Team, Triager
from .services import membership_set, team_create, triager_set


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "user", "scopes", "created_at", "expires_at", "revoked_at", "last_used_at")
    search_fields = ("name", "prefix", "user__username")
    readonly_fields = ("user", "prefix", "digest", "scopes", "created_by", "created_at", "last_used_at")

    def has_add_permission(self, request):
        # Keys are shown exactly once: on the Tokens page or by `manage.py create_api_token`.
        return False


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            obj.pk = team_create(slug=obj.slug, name=obj.name, actor=request.user).pk


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "team", "role", "created_at")
    list_filter = ("team", "role")
    search_fields = ("user__username", "team__name")
    autocomplete_fields = ("user",)

    def save_model(self, request, obj, form, change):
        # Through the service, so that the change is audited.
        saved = membership_set(team=obj.team, user=obj.user, role=obj.role, actor=request.user)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        membership_set(team=obj.team, user=obj.user, role=None, actor=request.user)

    def delete_queryset(self, request, queryset):
        for membership in queryset:
            self.delete_model(request, membership)


@admin.register(BotAccount)
class BotAccountAdmin(admin.ModelAdmin):
    list_display = ("user", "description", "created_by", "created_at")
    readonly_fields = ("user", "created_by", "created_at")

    def has_add_permission(self, request):
        return False  # the Tokens page creates bots, so that they never get a password


@admin.register(Triager)
class TriagerAdmin(admin.ModelAdmin):
    """Admins name the people who sort the Unsorted inbox (reports filed without a model)."""

    list_display = ("user", "named_by", "created_at")
    search_fields = ("user__username",)
    autocomplete_fields = ("user",)
    fields = ("user",)

    def save_model(self, request, obj, form, change):
        # Through the service, so that the change is audited.
        obj.pk = triager_set(user=obj.user, enabled=True, actor=request.user).pk

    def delete_model(self, request, obj):
        triager_set(user=obj.user, enabled=False, actor=request.user)

    def delete_queryset(self, request, queryset):
        for triager in queryset:
            self.delete_model(request, triager)
