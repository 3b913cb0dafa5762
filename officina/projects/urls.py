from django.urls import path

from . import views

app_name = "projects"
urlpatterns = [
    path("projects/", views.project_list, name="list"),
    path("projects/new/", views.project_create, name="create"),
    path("projects/<int:project_id>/", views.project_page, name="project"),
    path("projects/<int:project_id>/edit/", views.project_edit, name="edit"),
    path("projects/<int:project_id>/people/", views.people, name="people"),
    path(
        "projects/<int:project_id>/people/companies/<int:company_id>/remove/",
        views.remove_company,
        name="remove_company",
    ),
    path(
        "projects/<int:project_id>/people/<int:person_id>/remove/",
        views.remove_person,
        name="remove_person",
    ),
    path(
        "projects/<int:project_id>/invitations/<int:invitation_id>/cancel/",
        views.cancel_invitation,
        name="cancel_invitation",
    ),
    path("projects/<int:project_id>/threads/", views.threads, name="threads"),
    path("projects/<int:project_id>/tasks/", views.tasks, name="tasks"),
    path("projects/<int:project_id>/files/", views.files, name="files"),
    path("projects/<int:project_id>/links/", views.link, name="link"),
    path("projects/<int:project_id>/links/<int:link_id>/remove/", views.unlink, name="unlink"),
    path("projects/<int:project_id>/archive/", views.archive, name="archive"),
    path("projects/threads/<int:thread_id>/", views.thread_page, name="thread"),
    path("projects/threads/<int:thread_id>/edit/", views.thread_edit, name="thread_edit"),
    path("projects/threads/<int:thread_id>/delete/", views.thread_delete, name="thread_delete"),
    path("projects/comments/<int:comment_id>/edit/", views.comment_edit, name="comment_edit"),
    path("projects/comments/<int:comment_id>/delete/", views.comment_delete, name="comment_delete"),
    path("projects/tasks/<int:task_id>/", views.task_page, name="task"),
    path("projects/tasks/<int:task_id>/status/", views.task_status, name="task_status"),
    path("projects/files/<int:file_id>/", views.file_page, name="file"),
    path("projects/files/<int:file_id>/delete/", views.file_delete, name="file_delete"),
    path("projects/files/versions/<int:version_id>/", views.download, name="download"),
    path(
        "projects/files/versions/<int:version_id>/delete/",
        views.version_delete,
        name="version_delete",
    ),
    path("projects/invitations/<str:token>/", views.invitation, name="invitation"),
]
