"""The auto-attendant's pages, for a company (``companies/<slug>/attendant/...``) and for
a space (``spaces/<slug>/attendant/...``, the instance namespace ``space-attendant``: a
page's links keep to the owner it shows, as Django reverses an application namespace
for the current one)."""

from django.urls import URLPattern, path

from . import views

app_name = "attendant"


def owner_pages(owner: str) -> list[URLPattern]:
    """The menus of a company (``owner="company"``) or a space (``"space"``)."""
    prefix = f"{'companies' if owner == 'company' else 'spaces'}/<slug:slug>/attendant"
    kwargs = {"owner": owner}
    return [
        path(f"{prefix}/", views.menu_list, kwargs, name="list"),
        path(f"{prefix}/new/", views.menu_edit, kwargs, name="create"),
        path(f"{prefix}/<int:menu_id>/", views.menu_edit, kwargs, name="edit"),
        path(f"{prefix}/<int:menu_id>/greeting.wav", views.menu_greeting, kwargs, name="greeting"),
        path(f"{prefix}/<int:menu_id>/delete/", views.menu_delete, kwargs, name="delete"),
    ]


urlpatterns = owner_pages("company")
