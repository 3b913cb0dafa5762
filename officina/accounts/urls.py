from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("signup/", views.sign_up, name="signup"),
    path("signup/sent/", views.sign_up_sent, name="signup_sent"),
    path("signup/confirm/<str:token>/", views.sign_up_confirm, name="signup_confirm"),
    path("login/", views.LogInView.as_view(), name="login"),
    path("logout/", views.LogOutView.as_view(), name="logout"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("language/", views.switch_language, name="language"),
    path("settings/", views.account_settings, name="settings"),
    path("settings/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("companies/", views.companies, name="companies"),
    path("companies/new/", views.company_create, name="company_create"),
    path("companies/<slug:slug>/", views.company, name="company"),
    path("companies/<slug:slug>/edit/", views.company_edit, name="company_edit"),
    path("companies/<slug:slug>/people/add/", views.company_add_member, name="company_add_member"),
    path(
        "companies/<slug:slug>/people/remove/",
        views.company_remove_member,
        name="company_remove_member",
    ),
    path("companies/<slug:slug>/people/role/", views.company_set_role, name="company_set_role"),
    path(
        "companies/<slug:slug>/invitation/",
        views.company_answer_invitation,
        name="company_answer_invitation",
    ),
    path("companies/<slug:slug>/join/", views.company_ask_to_join, name="company_ask_to_join"),
    path(
        "companies/<slug:slug>/requests/<int:request_id>/",
        views.company_decide_request,
        name="company_decide_request",
    ),
    path("companies/<slug:slug>/primary/", views.company_set_primary, name="company_set_primary"),
    path(
        "companies/<slug:slug>/relations/add/",
        views.company_add_relation,
        name="company_add_relation",
    ),
    path(
        "companies/<slug:slug>/relations/<int:pk>/remove/",
        views.company_remove_relation,
        name="company_remove_relation",
    ),
]
