from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from connectors.flows.customers import conflict_resolve

from .models import ConflictStatus, Customer, CustomerConflict, Resolution


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["__str__", "customer_type", "email", "erp_customer_no", "is_guest", "shop", "updated_at"]
    list_filter = ["customer_type", "is_guest", "one_time", "shop"]
    search_fields = ["first_name", "last_name", "company", "email", "erp_customer_no", "org_no"]
    list_select_related = ["shop"]
    fieldsets = [
        (None, {"fields": ["shop", "customer_type", "is_guest", "one_time", "erp_customer_no"]}),
        ("Name", {"fields": ["first_name", "last_name", "company", "org_no", "language"]}),
        ("Contact", {"fields": ["email", "phone", "mobile", "fax"]}),
        ("Billing address", {"fields": ["billing_street", "billing_postcode", "billing_city", "billing_country"]}),
        (
            "Delivery address",
            {"fields": ["delivery_street", "delivery_postcode", "delivery_city", "delivery_country"]},
        ),
    ]


@admin.register(CustomerConflict)
class CustomerConflictAdmin(admin.ModelAdmin):
    list_display = ["customer", "erp", "status", "reason", "resolution", "created_at", "resolved_by"]
    list_filter = ["status", "resolution", "erp"]
    search_fields = ["customer__first_name", "customer__last_name", "customer__email", "customer__company"]
    list_select_related = ["customer", "erp", "resolved_by"]
    readonly_fields = [f.name for f in CustomerConflict._meta.fields]
    actions = ["add_new", "merge", "one_time"]

    def has_add_permission(self, request, obj=None):
        # Conflicts are raised by the engine, never typed in by hand.
        return False

    def has_resolve_permission(self, request) -> bool:
        return request.user.has_perm("customers.resolve_conflict")

    def _resolve(self, request, queryset, resolution: str) -> None:
        released = 0
        for conflict in queryset.filter(status=ConflictStatus.OPEN).select_related("customer", "erp"):
            try:
                released += len(conflict_resolve(conflict=conflict, resolution=resolution, user=request.user))
            except ValueError as exc:
                self.message_user(request, f"{conflict.customer}: {exc}", level=messages.WARNING)
        self.message_user(request, _("%d waiting order(s) released.") % released)

    @admin.action(description=_("Add as a new customer"), permissions=["resolve"])
    def add_new(self, request, queryset):
        self._resolve(request, queryset, Resolution.ADD_NEW)

    @admin.action(description=_("Merge with the similar customer"), permissions=["resolve"])
    def merge(self, request, queryset):
        self._resolve(request, queryset, Resolution.MERGE)

    @admin.action(description=_("Send as a one-time customer"), permissions=["resolve"])
    def one_time(self, request, queryset):
        self._resolve(request, queryset, Resolution.ONE_TIME)
