from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.account_view, name="account"),
    path("tokens/", views.token_list_view, name="tokens"),
    path("tokens/new/", views.token_create_view, name="token-create"),
    path("tokens/<int:pk>/revoke/", views.token_revoke_view, name="token-revoke"),
    path("bots/new/", views.bot_create_view, name="bot-create"),
]
