from django.contrib import admin

from officina.knowledge.models import Answer, Question, Vote


class AnswerInline(admin.TabularInline[Answer, Question]):
    model = Answer
    fk_name = "question"
    extra = 0
    fields = ("author", "body", "score", "created_at")
    readonly_fields = ("score", "created_at")
    raw_id_fields = ("author",)


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin[Question]):
    list_display = ("title", "author", "visibility", "space", "score", "answer_count", "created_at")
    list_filter = ("visibility", "space", "created_at", "tags")
    search_fields = ("title", "body", "author__email", "author__last_name")
    raw_id_fields = ("author", "accepted_answer")
    readonly_fields = ("score", "answer_count", "created_at", "updated_at")
    filter_horizontal = ("tags",)
    inlines = (AnswerInline,)


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin[Answer]):
    list_display = ("question", "author", "score", "created_at")
    search_fields = ("body", "author__email", "question__title")
    raw_id_fields = ("question", "author")
    readonly_fields = ("score", "created_at", "updated_at")


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin[Vote]):
    list_display = ("voter", "value", "question", "answer", "created_at")
    list_filter = ("value",)
    raw_id_fields = ("voter", "question", "answer")
