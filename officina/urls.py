"""Root URL configuration: one include per app, the JSON API under /api/."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from officina.api.router import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    # Each app owns its full paths (see docs/architecture.md for the map).
    path("", include("officina.accounts.urls")),
    path("", include("officina.presence.urls")),
    path("", include("officina.skills.urls")),
    path("", include("officina.social.urls")),
    path("", include("officina.notifications.urls")),
    path("", include("officina.knowledge.urls")),
    path("", include("officina.events.urls")),
    path("", include("officina.bookings.urls")),
    path("", include("officina.search.urls")),
    path("", include("officina.pbx.urls")),
    path("", include("officina.web.urls")),
    path("", include("officina.api.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
