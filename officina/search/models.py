"""One row per searchable thing (a member, a company, a post, a question).

The row keeps the text shown in results (``title``, ``body``) and, for the
SQLite backend, the same text reduced to Italian and English stems
(``title_terms``, ``body_terms``), which an FTS5 table indexes. On
PostgreSQL a generated ``tsvector`` column built with the ``italian`` and
``english`` configurations is indexed instead (see the migrations).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .kinds import DocumentKind

# On SQLite, changing this table's columns rebuilds it and drops the FTS5 triggers:
# a migration that does so must create them again (see 0003_keywords, 0004).


class SearchDocument(models.Model):
    kind = models.CharField(_("kind"), max_length=10, choices=DocumentKind.choices)
    object_id = models.PositiveBigIntegerField(_("object id"))
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"), blank=True)
    # Searchable but not shown in snippets (e.g. a question's skills in both languages).
    keywords = models.TextField(_("keywords"), blank=True)
    # Where a result leads; stored so that a page of results needs no query per kind.
    url = models.CharField(_("link"), max_length=500, blank=True)
    title_terms = models.TextField(blank=True)
    body_terms = models.TextField(blank=True)
    updated_at = models.DateTimeField(_("indexed at"), auto_now=True)

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="one_document_per_object")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id} {self.title}"
