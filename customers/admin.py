from django.contrib import admin

from .models import Customer, CustomerConflict


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

    def has_add_permission(self, request, obj=None):
        # Conflicts are raised by the engine, never typed in by hand.
        return False
