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
    path("accounts/", include("officina.accounts.urls")),
    path("presence/", include("officina.presence.urls")),
    path("skills/", include("officina.skills.urls")),
    path("knowledge/", include("officina.knowledge.urls")),
    path("events/", include("officina.events.urls")),
    path("pbx/", include("officina.pbx.urls")),
    path("", include("officina.social.urls")),
    path("", include("officina.web.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
