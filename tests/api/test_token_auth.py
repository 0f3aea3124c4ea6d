"""Bearer tokens: how they are stored, checked, refused, limited and audited."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from django.utils.crypto import salted_hmac

from sparekey.accounts.models import Account
from sparekey.api import tokens
from sparekey.api.models import ApiToken
from sparekey.audit.models import AuditEvent
from sparekey.workspace.models import Member
from tests.api.conftest import Api, error_of, last_event

ACCOUNTS = "/api/v1/accounts"


def test_the_database_keeps_a_keyed_hash_of_the_token_never_the_token(
    alice: Member, token_for: Callable[..., str]
) -> None:
    token = token_for(alice, "read")
    row = ApiToken.objects.get()
    assert token.startswith(f"spk_{row.prefix}_")
    expected = salted_hmac("sparekey.api.tokens", token, algorithm="sha256").hexdigest()
    assert row.digest == expected
    assert row.digest != hashlib.sha256(token.encode()).hexdigest()  # keyed, not a bare hash
    secret = token.split("_", 2)[2]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM api_apitoken")
        stored = " ".join(str(value) for value in cursor.fetchone())
    assert secret not in stored
    assert token not in stored


def test_tokens_are_compared_in_constant_time(
    alice: Member, token_for: Callable[..., str], api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = token_for(alice, "read")
    compared: list[tuple[bytes, bytes]] = []
    real = tokens.hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(tokens.hmac, "compare_digest", spy)
    assert api("GET", ACCOUNTS, token).status_code == 200
    assert compared


def test_a_token_opens_the_api_for_its_member(
    alice: Member, account: Account, token_for: Callable[..., str], api: Api
) -> None:
    response = api("GET", ACCOUNTS, token_for(alice, "read"))
    assert response.status_code == 200
    assert [found["name"] for found in response.json()["accounts"]] == ["Brand X"]
    assert response["Cache-Control"] == "no-store"


def test_a_request_without_a_token_is_not_authenticated(db: None, api: Api) -> None:
    response = api("GET", ACCOUNTS)
    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == 'Bearer realm="sparekey"'
    assert not AuditEvent.objects.filter(action="token_refused").exists()


def test_a_logged_in_browser_without_a_token_gets_401_not_the_api(
    alice: Member, account: Account, login: Callable[[Member], Client]
) -> None:
    browser = login(alice)
    response = browser.get(ACCOUNTS)
    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"
    assert "csrftoken" not in response.cookies


def test_another_authorization_scheme_is_not_authenticated(
    alice: Member, token_for: Callable[..., str], api: Api
) -> None:
    token = token_for(alice, "read")
    response = api("GET", ACCOUNTS, headers={"Authorization": f"Basic {token}"})
    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"


def revoked(member: Member, token: str) -> None:
    found = tokens.find(token.split("_")[1])
    assert found is not None
    tokens.revoke(found)


def expired(member: Member, token: str) -> None:
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))


def deactivated(member: Member, token: str) -> None:
    Member.objects.filter(pk=member.pk).update(is_active=False)


def unchanged(member: Member, token: str) -> None:
    pass


def unknown_prefix(token: str) -> str:
    return "spk_zzzzzzzz_" + token.split("_", 2)[2]


def wrong_secret(token: str) -> str:
    secret = token.split("_", 2)[2]
    return token[: -len(secret)] + ("A" if secret[0] != "A" else "B") + secret[1:]


def not_a_token(token: str) -> str:
    return "ghp_" + token


@pytest.mark.parametrize(
    ("case", "change", "present", "code"),
    [
        ("revoked", revoked, str, "token_revoked"),
        ("expired", expired, str, "token_expired"),
        ("deactivated member", deactivated, str, "member_deactivated"),
        ("unknown prefix", unchanged, unknown_prefix, "invalid_token"),
        ("right prefix, wrong secret", unchanged, wrong_secret, "invalid_token"),
        ("not a Sparekey token", unchanged, not_a_token, "invalid_token"),
    ],
)
def test_a_refused_token_is_401_in_the_one_shape_and_an_audit_event(
    case: str,
    change: Callable[[Member, str], None],
    present: Callable[[str], str],
    code: str,
    alice: Member,
    account: Account,
    token_for: Callable[..., str],
    api: Api,
) -> None:
    token = token_for(alice, "read", "use")
    assert api("GET", ACCOUNTS, token).status_code == 200
    change(alice, token)
    response = api("GET", ACCOUNTS, present(token))
    assert response.status_code == 401, case
    assert error_of(response)["code"] == code
    event = last_event("token_refused")
    assert event.detail["reason"] == code
    prefix = token.split("_")[1]
    if case == "unknown prefix":
        assert event.detail["token"] == "spk_zzzzzzzz"
    elif case != "not a Sparekey token":
        assert event.detail["token"] == f"spk_{prefix}"
    # Only a token presented with its right secret names its member as the actor.
    assert (event.actor_email == alice.email) == (code not in {"invalid_token"})
    assert present(token) not in str(event.detail)


def test_a_token_without_the_scope_is_403_and_an_audit_event(
    alice: Member, account_with_codes: Account, token_for: Callable[..., str], api: Api
) -> None:
    token = token_for(alice, "read")
    response = api("POST", f"{ACCOUNTS}/{account_with_codes.uuid}/backup-codes/claim", token)
    assert response.status_code == 403
    assert error_of(response)["code"] == "insufficient_scope"
    assert 'scope="use"' in response["WWW-Authenticate"]
    event = last_event("token_refused")
    assert event.actor_email == alice.email
    assert event.detail == {
        "reason": "insufficient_scope",
        "wanted": "use",
        "token": f"spk_{token.split('_')[1]}",
    }
    assert not AuditEvent.objects.filter(action="code_used").exists()


def test_a_token_stops_working_the_moment_it_is_revoked(
    alice: Member, token_for: Callable[..., str], api: Api
) -> None:
    token = token_for(alice, "read")
    assert api("GET", ACCOUNTS, token).status_code == 200
    revoked(alice, token)
    assert error_of(api("GET", ACCOUNTS, token))["code"] == "token_revoked"


def test_a_token_never_opens_more_than_its_members_roles(
    carol: Member, account_with_codes: Account, token_for: Callable[..., str], api: Api
) -> None:
    token = token_for(carol)  # every scope, but Carol is only a Collaborator
    for method, path in [
        ("POST", "backup-codes/claim"),
        ("POST", "backup-codes/reveal"),
        ("GET", "backup-codes"),
        ("DELETE", "backup-codes"),
    ]:
        response = api(method, f"{ACCOUNTS}/{account_with_codes.uuid}/{path}", token)
        assert error_of(response)["code"] == "not_found", path
    assert AuditEvent.objects.filter(action="access_denied").count() == 4


def test_last_use_time_and_address_are_recorded(
    alice: Member, token_for: Callable[..., str], api: Api
) -> None:
    token = token_for(alice, "read")
    assert ApiToken.objects.get().last_used_at is None
    api("GET", ACCOUNTS, token, REMOTE_ADDR="192.0.2.7")
    row = ApiToken.objects.get()
    assert row.last_used_at is not None
    assert row.last_used_ip == "192.0.2.7"


def test_the_per_token_limit_answers_429_with_retry_after(
    alice: Member, token_for: Callable[..., str], api: Api, settings: Any
) -> None:
    settings.SPAREKEY_API_REQUESTS_PER_MINUTE = 2
    token, other = token_for(alice, "read"), token_for(alice, "read")
    assert [api("GET", ACCOUNTS, token).status_code for _ in range(2)] == [200, 200]
    response = api("GET", ACCOUNTS, token)
    assert response.status_code == 429
    assert error_of(response)["code"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 60
    assert api("GET", ACCOUNTS, other).status_code == 200  # per token, not per member


def test_refused_tokens_from_one_address_are_throttled_and_the_flood_is_audited_once(
    alice: Member, token_for: Callable[..., str], api: Api, settings: Any
) -> None:
    settings.SPAREKEY_API_AUTH_FAILURES_PER_ADDRESS = 3
    good = token_for(alice, "read")
    bad = wrong_secret(good)
    statuses = [api("GET", ACCOUNTS, bad).status_code for _ in range(6)]
    assert statuses == [401, 401, 401, 429, 429, 429]
    response = api("GET", ACCOUNTS, bad)
    assert error_of(response)["code"] == "too_many_failures"
    assert int(response["Retry-After"]) > 0
    assert AuditEvent.objects.filter(action="token_refused").count() == 3
    assert AuditEvent.objects.filter(action="rate_limited").count() == 1
    assert api("GET", ACCOUNTS, good).status_code == 200  # a valid token still works


def test_a_token_survives_a_secret_key_rotation_through_the_fallbacks(
    alice: Member, token_for: Callable[..., str], api: Api, settings: Any
) -> None:
    token = token_for(alice, "read")
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a new secret key that is long enough to be taken seriously " * 2
    assert api("GET", ACCOUNTS, token).status_code == 200
    settings.SECRET_KEY_FALLBACKS = []
    assert error_of(api("GET", ACCOUNTS, token))["code"] == "invalid_token"
