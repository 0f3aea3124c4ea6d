"""One error shape for every failure under /api/, and the table of codes in docs/api.md."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import DisallowedHost
from django.test import Client, RequestFactory, override_settings

from sparekey.accounts.models import Account
from sparekey.api import errors, views
from sparekey.workspace.models import Member
from tests.api.conftest import Api, error_of
from tests.conftest import GITHUB_CODES

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"
# Every word of every error code, checked by eye once: a new code with a misspelt word fails
# here until someone looks at it (codes are forever).
VOCABULARY = {
    "invalid", "request", "malformed", "json", "cursor", "not", "authenticated", "token",
    "revoked", "expired", "member", "deactivated", "insufficient", "scope", "found", "method",
    "allowed", "no", "unused", "codes", "too", "large", "unsupported", "media", "type", "paste",
    "refused", "rate", "limited", "many", "reveals", "failures", "server", "error",
}  # fmt: skip


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/"),
        ("GET", "/api/nothing"),
        ("GET", "/api/v2/accounts"),
        ("GET", "/api/v1/accounts/"),
        ("POST", "/api/v1/nothing/here"),
        ("DELETE", "/api/v1/"),
        ("GET", "/api/v1/accounts/00000000-0000-4000-8000-000000000000/nothing"),
    ],
)
def test_a_path_that_names_nothing_is_404_not_found(method: str, path: str, api: Api) -> None:
    response = api(method, path)
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_a_wrong_method_is_405_with_allow(api: Api) -> None:
    response = api("PATCH", "/api/v1/accounts", body={})
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert response["Allow"] == "GET"


def test_malformed_json_is_400(
    alice: Member, account: Account, token_for: Callable[..., str]
) -> None:
    response = Client().put(
        f"/api/v1/accounts/{account.uuid}/backup-codes",
        data=b'{"text": "abc',
        content_type="application/json",
        headers={"Authorization": f"Bearer {token_for(alice, 'manage')}"},
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "malformed_json"


def test_a_body_that_is_not_json_is_415(
    alice: Member, account: Account, token_for: Callable[..., str]
) -> None:
    response = Client().put(
        f"/api/v1/accounts/{account.uuid}/backup-codes",
        data=GITHUB_CODES,
        content_type="text/plain",
        headers={"Authorization": f"Bearer {token_for(alice, 'manage')}"},
    )
    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"


def test_a_body_over_the_limit_is_413_before_anything_reads_it(
    alice: Member, account: Account, token_for: Callable[..., str], api: Api
) -> None:
    body = {"text": "x" * (64 * 1024)}
    response = api(
        "PUT", f"/api/v1/accounts/{account.uuid}/backup-codes", token_for(alice, "manage"), body
    )
    assert response.status_code == 413
    assert error_of(response)["code"] == "request_too_large"


@pytest.mark.parametrize("debug", [False, True])
def test_an_unexpected_failure_is_500_in_the_shape_without_a_traceback(
    debug: bool,
    alice: Member,
    account: Account,
    token_for: Callable[..., str],
    api: Api,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings.DEBUG = debug

    def broken(member: Any) -> Any:
        raise RuntimeError("the database caught fire")

    monkeypatch.setattr(views, "accounts_of", broken)
    response = api("GET", "/api/v1/accounts", token_for(alice, "read"))
    assert response.status_code == 500
    assert error_of(response) == {
        "code": "server_error",
        "message": "Something went wrong on the server.",
    }
    assert b"caught fire" not in response.content
    assert b"Traceback" not in response.content
    assert "the database caught fire" in caplog.text  # the log has the details


def test_a_failure_outside_a_view_is_500_in_the_shape(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(request: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(errors, "_refuse_body", broken)
    response = api("GET", "/api/v1/accounts")
    assert error_of(response)["code"] == "server_error"


def test_djangos_400_and_500_handlers_answer_in_the_shape_under_api_only() -> None:
    factory = RequestFactory()
    bad_host = DisallowedHost("Invalid HTTP_HOST header")
    api_400 = errors.handler400(factory.get("/api/v1/accounts"), bad_host)
    assert error_of(api_400)["code"] == "invalid_request"
    assert error_of(errors.handler500(factory.get("/api/v1/accounts")))["code"] == "server_error"
    assert errors.handler400(factory.get("/"), bad_host)["Content-Type"].startswith("text/html")
    assert errors.handler500(factory.get("/"))["Content-Type"].startswith("text/html")


@override_settings(ROOT_URLCONF="tests.api.urls_with_handlers")
def test_a_bad_host_header_is_answered_in_the_shape_once_the_handlers_are_wired(
    api: Api,
) -> None:
    response = api("GET", "/api/v1/accounts", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_request"


def test_error_codes_are_snake_case_words_from_the_reviewed_vocabulary() -> None:
    for code in errors.ERROR_CODES:
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", code), code
        assert set(code.split("_")) <= VOCABULARY, code


def test_docs_list_every_error_code_with_its_status_and_no_other() -> None:
    rows = re.findall(r"^\| `([a-z_]+)` \| (\d{3}) \|", DOCS.read_text(), flags=re.MULTILINE)
    assert dict((code, int(status)) for code, status in rows) == {
        code: status for code, (status, _) in errors.ERROR_CODES.items()
    }
    assert len(rows) == len(errors.ERROR_CODES)


def test_every_documented_error_status_is_in_the_schema() -> None:
    schema = views.api.get_openapi_schema()
    statuses = {status for status, _ in errors.ERROR_CODES.values()}
    documented = {
        int(status)
        for operations in schema["paths"].values()
        for operation in operations.values()
        for status in operation["responses"]
    }
    assert statuses <= documented
