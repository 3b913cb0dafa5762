from django.contrib import admin

from .models import Contact, ContactNumber


class ContactNumberInline(admin.TabularInline[ContactNumber, Contact]):
    model = ContactNumber
    fields = ("number", "label", "company")
    extra = 0


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin[Contact]):
    list_display = ("name", "organisation", "relation", "company")
    list_filter = ("relation",)
    search_fields = ("name", "organisation", "email", "numbers__number")
    raw_id_fields = ("company", "linked_company")
    inlines = (ContactNumberInline,)
