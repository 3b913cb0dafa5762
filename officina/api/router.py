"""The JSON API: one NinjaAPI, each app adds its router in ``officina/<app>/api.py``."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="Officina API",
    version="1",
    description="Members, companies, presence, posts and questions of an Officina community.",
    openapi_url="/openapi.json",
    docs_url="/docs",
)
