from django.contrib import admin

from officina.social.models import (
    Comment,
    Conversation,
    ConversationMember,
    Follow,
    Post,
    Profile,
    Reaction,
)


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin[Profile]):
    list_display = ("member", "headline", "updated_at")
    search_fields = ("member__email", "member__first_name", "member__last_name", "headline")
    raw_id_fields = ("member",)


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin[Follow]):
    list_display = ("follower", "member", "company", "space", "created_at")
    raw_id_fields = ("follower", "member", "company", "space")


class CommentInline(admin.TabularInline[Comment, Post]):
    model = Comment
    raw_id_fields = ("author",)
    extra = 0


@admin.register(Post)
class PostAdmin(admin.ModelAdmin[Post]):
    list_display = ("author", "visibility", "company", "space", "created_at", "comment_count")
    list_filter = ("visibility", "space")
    search_fields = ("body", "author__email", "author__last_name")
    raw_id_fields = ("author", "company", "space")
    date_hierarchy = "created_at"
    inlines = [CommentInline]


@admin.register(Reaction)
class ReactionAdmin(admin.ModelAdmin[Reaction]):
    list_display = ("member", "post", "kind", "created_at")
    list_filter = ("kind",)
    raw_id_fields = ("member", "post")


class ConversationMemberInline(admin.TabularInline[ConversationMember, Conversation]):
    model = ConversationMember
    raw_id_fields = ("member",)
    extra = 0


# Message bodies are private between participants: the admin lists conversations, not messages.
@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin[Conversation]):
    list_display = ("__str__", "created_at", "last_message_at")
    inlines = [ConversationMemberInline]
