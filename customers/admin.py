from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from connectors.models import TransferKind, TransferState
from connectors.selectors import with_transfer
from connectors.services import enqueue
from orders.models import Order

from .models import ConflictStatus, Customer, CustomerConflict, DecisionRefused, Resolution


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["__str__", "customer_type", "email", "erp_number", "is_guest", "shop", "updated_at"]
    list_filter = ["customer_type", "is_guest", "one_time", "shop"]
    search_fields = ["first_name", "last_name", "company", "email", "erp_customer_no", "org_no"]
    list_select_related = ["shop"]

    def get_queryset(self, request: HttpRequest):
        """Each customer with the ERP number it is bound to (set on the card, or matched or created
        in the ERP), in the list's one query."""
        from django.contrib.contenttypes.models import ContentType
        from django.db.models import OuterRef, Subquery

        from connectors.models import ExternalRef

        bound = ExternalRef.objects.filter(
            content_type=ContentType.objects.get_for_model(Customer), object_id=OuterRef("pk"),
            connection__role="erp",
        ).order_by("-pk")  # fmt: skip
        return super().get_queryset(request).annotate(bound_no=Subquery(bound.values("external_id")[:1]))

    @admin.display(description=_("ERP customer number"), ordering="erp_customer_no")
    def erp_number(self, obj: Customer) -> str:
        return obj.erp_customer_no or getattr(obj, "bound_no", None) or "–"

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
    list_filter = ["status", "resolution", ("erp", admin.RelatedOnlyFieldListFilter)]
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
        open_ = list(queryset.filter(status=ConflictStatus.OPEN).values_list("pk", flat=True))
        for pk in open_:
            enqueue("connectors.tasks.resolve_conflict", pk, resolution, request.user.pk)
        self.message_user(
            request, _("%d decision(s) queued; the waiting orders are sent once each is applied.") % len(open_)
        )

    @admin.action(description=_("Add as a new customer"), permissions=["resolve"])
    def add_new(self, request, queryset):
        self._resolve(request, queryset, Resolution.ADD_NEW)

    @admin.action(description=_("Merge with the similar customer"), permissions=["resolve"])
    def merge(self, request, queryset):
        refused = [c for c in queryset.filter(status=ConflictStatus.OPEN) if not c.similar_no]
        for conflict in refused:
            self.message_user(
                request,
                _("%(customer)s: several or no similar customers; decide on its page.")
                % {"customer": conflict.customer},
                level=messages.WARNING,
            )
        self._resolve(request, queryset.exclude(pk__in=[c.pk for c in refused]), Resolution.MERGE)

    @admin.action(description=_("Send as a one-time customer"), permissions=["resolve"])
    def one_time(self, request, queryset):
        self._resolve(request, queryset, Resolution.ONE_TIME)

    # --- the conflict's own page: the buyer, the candidates, the waiting orders, the decision ---

    def get_urls(self):
        decide = self.admin_site.admin_view(self.decide_view)
        return [path("<int:pk>/decide/", decide, name="customers_customerconflict_decide"), *super().get_urls()]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        conflict = get_object_or_404(CustomerConflict.objects.select_related("customer", "erp", "resolved_by"),
                                     pk=object_id)  # fmt: skip
        waiting = with_transfer(Order.objects.filter(customer=conflict.customer), kind=TransferKind.SALES_ORDER)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Customer conflict: %(customer)s") % {"customer": conflict.customer},
            "conflict": conflict,
            "waiting": waiting.filter(transfer_state=TransferState.CONFLICT).order_by("placed_at"),
            "can_resolve": self.has_resolve_permission(request),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/customers/conflict_decide.html", context)

    def decide_view(self, request: HttpRequest, pk: int):
        """One decision from the conflict page's buttons: checked here, applied by a worker."""
        conflict = get_object_or_404(CustomerConflict, pk=pk)
        back = HttpResponseRedirect(reverse("admin:customers_customerconflict_change", args=[pk]))
        if request.method != "POST" or not self.has_resolve_permission(request):
            self.message_user(request, _("You may not decide customer conflicts."), level=messages.ERROR)
            return back
        if conflict.status != ConflictStatus.OPEN:
            self.message_user(request, _("This conflict is already decided."), level=messages.WARNING)
            return back
        merge_with = request.POST.get("merge_with", "")
        resolution = Resolution.MERGE if merge_with else request.POST.get("resolution", "")
        if resolution not in Resolution.values:
            self.message_user(request, _("Choose one of the decisions."), level=messages.ERROR)
            return back
        try:
            if resolution == Resolution.MERGE:
                merge_with = conflict.merge_target(merge_with)
        except DecisionRefused as refused:
            self.message_user(request, f"{refused.message} {refused.hint}", level=messages.ERROR)
            return back
        enqueue("connectors.tasks.resolve_conflict", conflict.pk, resolution, request.user.pk, merge_with)
        self.message_user(
            request,
            _("Decision for %(customer)s queued: %(decision)s. Its waiting orders are sent once it is applied.")
            % {"customer": conflict.customer, "decision": Resolution(resolution).label},
        )
        return HttpResponseRedirect(reverse("admin:customers_customerconflict_changelist"))
