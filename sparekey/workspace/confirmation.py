"""Step-up ("sudo mode"): a sensitive view asks the member to confirm who they are, then opens
for SPAREKEY_REAUTH_SECONDS. The mark lives in the server-side session, never in a cookie value."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

SESSION_KEY = "sparekey_confirmed_at"


def is_recent(request: HttpRequest) -> bool:
    confirmed_at = request.session.get(SESSION_KEY)
    if not isinstance(confirmed_at, int | float):
        return False
    return 0 <= time.time() - confirmed_at < settings.SPAREKEY_REAUTH_SECONDS


def mark_confirmed(request: HttpRequest) -> None:
    request.session[SESSION_KEY] = time.time()


def confirm_url(next_url: str) -> str:
    return f"{reverse('confirm_identity')}?{urlencode({'next': next_url})}"


def confirmation_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Send the member to "Confirm your identity to continue" unless they confirmed recently.

    Put it inside the permission decorator: a member with no access gets the 404 first, never a
    confirmation prompt that would tell them the account exists.
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if is_recent(request):
            return view(request, *args, **kwargs)
        return HttpResponseRedirect(confirm_url(request.get_full_path()))

    return wrapper
