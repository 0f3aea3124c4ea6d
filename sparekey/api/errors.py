"""The API's one error shape: ``{"error": {"code": "<stable_snake_case>", "message": "..."}}``.

Codes are part of the API's contract (scripts branch on them): they are listed in ERROR_CODES,
documented in docs/api.md (tests/api/test_errors.py keeps the two equal) and never renamed.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.views import defaults
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from sparekey.backup_codes.parser import PasteRefused
from sparekey.backup_codes.services import NoCodesFound, NotPermitted, NoUnusedCodes
from sparekey.workspace.throttle import RateLimited

log = logging.getLogger(__name__)

API_PATH = "/api/"

# code: (HTTP status, when it is answered)
ERROR_CODES: dict[str, tuple[int, str]] = {
    "invalid_request": (400, "a parameter or the body does not match the schema"),
    "malformed_json": (400, "the body is not valid JSON"),
    "invalid_cursor": (400, "the pagination cursor was altered or belongs to another list"),
    "not_authenticated": (401, "no `Authorization: Bearer <token>` header"),
    "invalid_token": (401, "the token is unknown, mistyped or not a Sparekey token"),
    "token_revoked": (401, "the token has been revoked"),
    "token_expired": (401, "the token has expired"),
    "member_deactivated": (401, "the token's member has been deactivated"),
    "insufficient_scope": (403, "the token lacks the scope this endpoint needs"),
    "not_found": (404, "no such account or path, or none you hold the needed role on"),
    "method_not_allowed": (405, "the path exists but not with this method (see `Allow`)"),
    "no_unused_codes": (409, "every backup code of the account has been used (or none saved)"),
    "request_too_large": (413, "the body is larger than the limit (64 KiB by default)"),
    "unsupported_media_type": (415, "a body that is not `application/json`"),
    "paste_refused": (422, "the backup-code parser refused the text (the message says why)"),
    "no_codes_found": (422, "the text holds no backup codes"),
    "rate_limited": (429, "too many requests with this token (see `Retry-After`)"),
    "too_many_reveals": (429, "the member's hourly limit of reveals and claims (`Retry-After`)"),
    "too_many_failures": (429, "too many refused tokens from this address (`Retry-After`)"),
    "server_error": (500, "an unexpected failure; the server log has the details"),
}

# The code answered when something below us produced a bare status (a safety net).
_BY_STATUS = {
    400: "invalid_request",
    401: "not_authenticated",
    403: "insufficient_scope",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


class ApiError(Exception):
    def __init__(self, code: str, message: str, *, headers: dict[str, str] | None = None) -> None:
        assert code in ERROR_CODES, code
        self.code = code
        self.status = ERROR_CODES[code][0]
        self.message = message
        self.headers = headers or {}
        super().__init__(message)


def error_response(code: str, message: str, headers: dict[str, str] | None = None) -> JsonResponse:
    response = JsonResponse(
        {"error": {"code": code, "message": message}}, status=ERROR_CODES[code][0]
    )
    if response.status_code == 401:
        response["WWW-Authenticate"] = 'Bearer realm="sparekey"'
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def rate_limited(code: str, limited: RateLimited) -> JsonResponse:
    return error_response(code, str(limited), {"Retry-After": str(limited.retry_after)})


def install_handlers(api: NinjaAPI) -> None:
    """Map every exception a view or the services raise to the one shape."""

    def handle(exc_class: type[Exception]) -> Callable[[Callable[..., Any]], Any]:
        return api.exception_handler(exc_class)

    @handle(ApiError)
    def api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return error_response(exc.code, exc.message, exc.headers)

    @handle(AuthenticationError)
    def not_authenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(
            "not_authenticated", "Send an API token in the header `Authorization: Bearer <token>`."
        )

    @handle(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return error_response("invalid_request", _describe(exc.errors))

    @handle(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400:  # ninja's only use: a body it could not parse
            return error_response("malformed_json", "The request body is not valid JSON.")
        code = _BY_STATUS.get(exc.status_code, "server_error")
        return error_response(code, str(exc))

    @handle(Http404)
    @handle(NotPermitted)
    def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return error_response("not_found", "No such account.")

    @handle(NoUnusedCodes)
    def no_unused_codes(request: HttpRequest, exc: NoUnusedCodes) -> HttpResponse:
        return error_response("no_unused_codes", "No unused backup codes are left.")

    @handle(PasteRefused)
    def paste_refused(request: HttpRequest, exc: PasteRefused) -> HttpResponse:
        code = "no_codes_found" if isinstance(exc, NoCodesFound) else "paste_refused"
        return error_response(code, str(exc))

    @handle(RateLimited)
    def too_many_reveals(request: HttpRequest, exc: RateLimited) -> HttpResponse:
        return rate_limited("too_many_reveals", exc)

    @handle(Exception)
    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        log.error("API request failed: %s %s", request.method, request.path, exc_info=exc)
        return error_response("server_error", "Something went wrong on the server.")


def guard(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Everything under /api/ goes through here: the body limits, then the view; any failure or
    bare error response that slips past the view's own handling still leaves in the one shape."""

    @functools.wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            response = _refuse_body(request) or view(request, *args, **kwargs)
        except Http404:
            response = error_response("not_found", "There is nothing at this path.")
        except Exception as exc:
            log.error("API request failed: %s %s", request.method, request.path, exc_info=exc)
            response = error_response("server_error", "Something went wrong on the server.")
        response = _in_shape(response)
        # Responses may carry codes; none may be kept by a browser or a proxy.
        response["Cache-Control"] = "no-store"
        return response

    guarded.csrf_exempt = True  # type: ignore[attr-defined]  # tokens, never cookies
    return guarded


@guard
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Any path under /api/ that names nothing."""
    return error_response("not_found", "There is nothing at this path.")


def handler400(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 400 page (a bad Host header, ...) in the one shape under /api/."""
    if request.path_info.startswith(API_PATH):
        return error_response("invalid_request", "The request is malformed.")
    return defaults.bad_request(request, exception)


def handler500(request: HttpRequest) -> HttpResponse:
    if request.path_info.startswith(API_PATH):
        return error_response("server_error", "Something went wrong on the server.")
    return defaults.server_error(request)


def _refuse_body(request: HttpRequest) -> HttpResponse | None:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return error_response("invalid_request", "The Content-Length header is not a number.")
    limit = settings.SPAREKEY_API_MAX_BODY_BYTES
    if length > limit:
        return error_response("request_too_large", f"The body may hold at most {limit} bytes.")
    if length and request.content_type != "application/json":
        return error_response(
            "unsupported_media_type", "Send the body as JSON (Content-Type: application/json)."
        )
    return None


def _in_shape(response: HttpResponseBase) -> HttpResponseBase:
    if response.status_code < 400 or response.get("Content-Type", "").startswith(
        "application/json"
    ):
        return response
    code = _BY_STATUS.get(response.status_code, "server_error")
    shaped = error_response(code, _message_for(code))
    if allow := response.get("Allow"):
        shaped["Allow"] = allow
    return shaped


def _message_for(code: str) -> str:
    if code == "method_not_allowed":
        return "This path does not answer this method; the Allow header lists those it does."
    return ERROR_CODES[code][1].capitalize() + "."


def _describe(errors: list[dict[str, Any]]) -> str:
    parts = []
    for error in errors[:3]:
        where = ".".join(str(part) for part in error.get("loc", ()))
        parts.append(f"{where}: {error.get('msg', 'is not valid')}")
    return "The request does not match the schema: " + "; ".join(parts) + "."
