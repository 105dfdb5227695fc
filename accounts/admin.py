from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import Count

from . import services
from .models import GraduationInvite, LinkCode, Profile, ProfileLink, User


class ProfileInline(admin.StackedInline):
    model = Profile
    fk_name = "user"
    can_delete = False
    fields = ("display_name", "time_zone", "avatar_emoji", "avatar_colour", "created_at")
    readonly_fields = ("created_at",)
    extra = 0
    max_num = 1


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserChangeAdminForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationForm
    ordering = ("email",)
    list_display = ("email", "display_name", "is_staff", "is_active", "date_joined", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active", "date_joined")
    search_fields = ("email", "profile__display_name")
    list_select_related = ("profile",)
    readonly_fields = ("date_joined", "last_login")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    @admin.display(description="Display name", ordering="profile__display_name")
    def display_name(self, obj):
        return obj.profile.display_name if hasattr(obj, "profile") else "—"

    def get_inlines(self, request, obj):
        # On the add page the profile is created with the user (below), not by an inline.
        return [ProfileInline] if obj is not None else []

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            # The admin's change view already runs in one transaction, so the user and their
            # profile commit together, as on every other creation path.
            services.profile_ensure_for_user(user=obj)


class ProfileLinkInline(admin.TabularInline):
    model = ProfileLink
    fk_name = "profile"
    extra = 0
    autocomplete_fields = ("user",)
    fields = ("user", "role", "origin", "created_at")
    readonly_fields = ("created_at",)


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ("display_name", "user", "kind", "created_by", "time_zone", "link_count", "created_at")
    list_filter = (("user", admin.EmptyFieldListFilter), "time_zone", "created_at")
    search_fields = ("display_name", "user__email", "created_by__email")
    list_select_related = ("user", "created_by")
    autocomplete_fields = ("user", "created_by")
    readonly_fields = ("created_at", "updated_at")
    inlines = [ProfileLinkInline]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_link_count=Count("links"))

    @admin.display(description="Kind")
    def kind(self, obj):
        return "Managed" if obj.is_managed else "Own login"

    @admin.display(description="Links", ordering="_link_count")
    def link_count(self, obj):
        return obj._link_count


@admin.register(ProfileLink)
class ProfileLinkAdmin(admin.ModelAdmin):
    list_display = ("user", "profile", "role", "origin", "created_at")
    list_filter = ("role", "origin", "created_at")
    search_fields = ("user__email", "profile__display_name")
    list_select_related = ("user", "profile")
    autocomplete_fields = ("user", "profile")


@admin.register(LinkCode)
class LinkCodeAdmin(admin.ModelAdmin):
    list_display = ("code", "created_by", "role", "created_at", "expires_at", "used_at", "used_by_profile")
    list_filter = ("role", ("used_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("code", "created_by__email")
    list_select_related = ("created_by", "used_by_profile")
    readonly_fields = ("code", "created_by", "role", "created_at", "used_at", "used_by_profile")


@admin.register(GraduationInvite)
class GraduationInviteAdmin(admin.ModelAdmin):
    list_display = ("profile", "created_by", "created_at", "expires_at", "used_at")
    list_filter = (("used_at", admin.EmptyFieldListFilter),)
    search_fields = ("profile__display_name", "created_by__email")
    list_select_related = ("profile", "created_by")
    exclude = ("token",)
    readonly_fields = ("profile", "created_by", "created_at", "used_at")
