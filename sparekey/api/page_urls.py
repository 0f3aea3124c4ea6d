from django.urls import path

from . import pages

urlpatterns = [
    path("", pages.api_tokens, name="api_tokens"),
    path("<str:prefix>/revoke/", pages.revoke_token, name="api_token_revoke"),
]
