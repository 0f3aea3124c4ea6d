"""The import service: a preview that writes nothing, then one transaction per account."""

from __future__ import annotations

import json

import pytest
from django.apps import apps

from sparekey.accounts.models import Account, AccountRole
from sparekey.accounts.permissions import role_of
from sparekey.audit.models import Action as Audit
from sparekey.audit.models import AuditEvent
from sparekey.backup_codes import services as backup_codes
from sparekey.backup_codes.models import BackupCode
from sparekey.mfa import services as mfa
from sparekey.mfa.otpauth import to_base32
from sparekey.transfer import importing
from sparekey.transfer.importing import OnConflict, Outcome
from sparekey.transfer.items import FoundAccount, FoundCodes
from sparekey.workspace.models import Member
from tests.conftest import GITHUB_CODES, make_member

CODES = [f"{n:04d}-{n * 7 % 10000:04d}" for n in range(1201, 1211)]
TOTP = "JBSWY3DPEHPK3PXP"


def row_counts(*, without_audit: bool = False) -> dict[str, int]:
    """Rows of every Sparekey model, to show that something wrote nothing."""
    counts = {}
    for model in apps.get_models():
        if model._meta.app_label in {"auth", "contenttypes", "sessions", "admin"}:
            continue
        if without_audit and model._meta.app_label == "audit":
            continue
        manager = getattr(model, "all_objects", model._default_manager)
        counts[model._meta.label] = manager.count()
    return counts


def found_social(name: str = "Imported Social", **changes: object) -> FoundAccount:
    fields: dict[str, object] = {
        "name": name,
        "app": "Social",
        "login_url": "https://social.example.com/login",
        "username": "brand-social",
        "password": "s3cret-Password!",
        "totp": TOTP,
        "notes": "Shared by the social team.",
        "recovery_note": "Call support with the case number.",
        "codes": [FoundCodes(codes=CODES, used=frozenset({0, 3}), source="notes")],
        "origin": "item 1",
    }
    fields.update(changes)
    return FoundAccount(**fields)  # type: ignore[arg-type]


def test_the_preview_writes_nothing_and_says_what_it_will_do(alice: Member) -> None:
    before = row_counts()
    plan = importing.plan_import(alice, [found_social()], OnConflict.SKIP, format="bitwarden")
    assert row_counts() == before
    [row] = plan.accounts
    assert row.outcome == Outcome.CREATE
    assert row.codes_label == "10 backup codes found (2 marked used)"
    assert row.fields == [
        "login URL",
        "username",
        "password",
        "Secret Key (TOTP)",
        "notes",
        "recovery note",
        "backup codes",
    ]


def test_an_import_creates_the_accounts_with_their_secrets_and_code_states(alice: Member) -> None:
    plan = importing.plan_import(alice, [found_social()], OnConflict.SKIP)
    summary = importing.run_import(alice, plan)
    assert summary.created == ["Imported Social"]
    assert summary.codes == 10
    account = Account.objects.get(name="Imported Social")
    assert role_of(alice, account) == AccountRole.OWNER
    assert (account.app, account.username) == ("Social", "brand-social")
    assert account.login_url == "https://social.example.com/login"
    assert mfa.reveal_password(alice, account) == "s3cret-Password!"
    assert mfa.notes_of(alice, account) == "Shared by the social team."
    assert mfa.recovery_note_of(alice, account) == "Call support with the case number."
    key = mfa.reveal_totp(alice, account)
    assert key is not None and to_base32(key).replace(" ", "") == TOTP
    revealed = backup_codes.reveal_codes(alice, account)
    assert [c.code for c in revealed] == CODES
    assert [c.position for c in revealed if c.used_at] == [1, 4]
    # The next code handed out is never one the file says is used.
    assert backup_codes.claim_next_code(alice, account).code == CODES[1]


def test_importing_the_same_file_twice_changes_nothing_the_second_time(alice: Member) -> None:
    found = [found_social(), found_social("Imported Mail", app="Mail", codes=[])]
    importing.run_import(alice, importing.plan_import(alice, found))
    before = row_counts(without_audit=True)
    plan = importing.plan_import(alice, found)
    assert [row.outcome for row in plan.accounts] == [Outcome.SKIP, Outcome.SKIP]
    summary = importing.run_import(alice, plan)
    assert summary.created == [] and len(summary.skipped) == 2
    assert "exists already" in summary.skipped[0][1]
    assert row_counts(without_audit=True) == before


def test_a_stale_preview_is_decided_again_so_a_rerun_resumes(alice: Member) -> None:
    """The plan said "create" for both; an earlier run already created the first."""
    found = [found_social("Resume One"), found_social("Resume Two", app="Other")]
    plan = importing.plan_import(alice, found)
    importing.run_import(alice, importing.plan_import(alice, found[:1]))
    summary = importing.run_import(alice, plan)
    assert summary.created == ["Resume Two"]
    assert [name for name, _ in summary.skipped] == ["Resume One"]
    assert Account.objects.filter(name="Resume One").count() == 1


def test_accounts_of_the_same_name_inside_one_file_are_all_imported(alice: Member) -> None:
    found = [found_social("Twin"), found_social("Twin", codes=[])]
    plan = importing.plan_import(alice, found)
    assert [row.outcome for row in plan.accounts] == [Outcome.CREATE, Outcome.CREATE]
    assert "same name and app" in plan.accounts[1].warnings[-1]
    assert importing.run_import(alice, plan).created == ["Twin", "Twin"]


def test_one_account_that_fails_rolls_back_alone(alice: Member) -> None:
    too_many = [f"{n:05d}-{n:05d}" for n in range(10000, 10101)]  # the parser takes 100 at most
    found = [
        found_social("Fails", codes=[FoundCodes(codes=too_many)]),
        found_social("Works", app="Other"),
    ]
    summary = importing.run_import(alice, importing.plan_import(alice, found))
    assert summary.created == ["Works"]
    assert summary.skipped[0][0] == "Fails"
    assert summary.skipped[0][1].startswith("Could not be imported:")
    assert not Account.all_objects.filter(name="Fails").exists()


def test_add_codes_saves_them_to_an_owned_account_without_codes(
    alice: Member, account: Account
) -> None:
    found = [found_social("brand x", app="x")]  # names match whatever their case
    plan = importing.plan_import(alice, found, OnConflict.ADD_CODES)
    assert plan.accounts[0].outcome == Outcome.SAVE_CODES
    assert plan.accounts[0].fields == ["backup codes"]
    summary = importing.run_import(alice, plan)
    assert summary.codes_added == ["Brand X"] and summary.created == []
    assert [c.code for c in backup_codes.reveal_codes(alice, account)] == CODES
    # Only the codes: the existing account's secrets are not touched.
    assert mfa.reveal_password(alice, account) is None


def test_add_codes_replaces_an_owners_codes_and_tells_the_owners(
    alice: Member,
    account_with_codes: Account,
    mailoutbox: list,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    found = [found_social("Brand X", app="X")]
    plan = importing.plan_import(alice, found, OnConflict.ADD_CODES)
    assert plan.accounts[0].outcome == Outcome.REPLACE_CODES
    with django_capture_on_commit_callbacks(execute=True):
        importing.run_import(alice, plan)
    revealed = backup_codes.reveal_codes(alice, account_with_codes)
    assert [c.code for c in revealed] == CODES
    assert [c.position for c in revealed if c.used_at] == [1, 4]
    assert any("replaced" in mail.subject for mail in mailoutbox)
    assert any("bob@example.com" in mail.to for mail in mailoutbox)


def test_new_accounts_send_their_importer_no_mail_per_account(
    alice: Member,
    mailoutbox: list,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    """A 500-account import must not be 500 e-mails to the one person who did it."""
    found = [found_social(f"Imported {n}") for n in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        importing.run_import(alice, importing.plan_import(alice, found, OnConflict.SKIP))
    assert Account.objects.filter(name__startswith="Imported ").count() == 3
    assert not [mail for mail in mailoutbox if "Backup codes" in mail.subject]


def test_add_codes_skips_codes_the_account_already_holds(
    alice: Member, account_with_codes: Account
) -> None:
    codes = GITHUB_CODES.split()
    found = [found_social("Brand X", app="X", codes=[FoundCodes(codes=codes)])]
    plan = importing.plan_import(alice, found, OnConflict.ADD_CODES)
    assert plan.accounts[0].outcome == Outcome.SKIP
    assert "holds these codes already" in plan.accounts[0].reason


def test_a_collaborator_cannot_replace_codes_by_importing(
    carol: Member, account_with_codes: Account
) -> None:
    before = row_counts(without_audit=True)
    plan = importing.plan_import(carol, [found_social("Brand X", app="X")], OnConflict.ADD_CODES)
    assert plan.accounts[0].outcome == Outcome.SKIP
    assert "only its Owners can replace them" in plan.accounts[0].reason
    summary = importing.run_import(carol, plan)
    assert summary.codes_added == [] and summary.created == []
    assert row_counts(without_audit=True) == before
    assert BackupCode.objects.filter(code_set__account=account_with_codes).count() == 6


def test_login_only_members_may_not_import(db: None) -> None:
    frank = make_member("frank-import@example.com", "login_only")
    before = row_counts()
    with pytest.raises(importing.NotPermitted):
        importing.plan_import(frank, [found_social()])
    plan = importing.ImportPlan(on_conflict=OnConflict.SKIP, accounts=[])
    with pytest.raises(importing.NotPermitted):
        importing.run_import(frank, plan)
    assert row_counts() == before


def test_values_that_do_not_fit_their_field_are_kept_in_notes(alice: Member) -> None:
    found = found_social(
        "N" * 200, app="", login_url="not a web address", totp="not-a-key", codes=[]
    )
    prepared = importing.prepare(found)
    assert len(prepared.name) == importing.NAME_MAX
    assert prepared.login_url == "" and prepared.totp is None
    assert "N" * 200 in prepared.notes and "not-a-key" in prepared.notes
    assert "not a web address" in prepared.notes
    assert prepared.app == prepared.name  # no app and no login URL: the name stands in
    assert len(prepared.warnings) == 3
    summary = importing.run_import(alice, importing.plan_import(alice, [found]))
    assert len(summary.created) == 1


def test_the_app_comes_from_the_login_url_when_the_file_has_none(db: None) -> None:
    prepared = importing.prepare(found_social(app="", login_url="www.registrar.example/login"))
    assert prepared.app == "registrar.example"
    assert prepared.login_url == "https://www.registrar.example/login"


def test_every_import_is_audited_per_account_and_as_a_whole_without_secrets(
    alice: Member,
) -> None:
    found = [found_social(), found_social("Second", app="Other")]
    importing.run_import(alice, importing.plan_import(alice, found, format="bitwarden"))
    imported = AuditEvent.objects.filter(action=Audit.ACCOUNT_IMPORTED)
    assert sorted(e.account_name for e in imported) == ["Imported Social", "Second"]
    assert imported[0].detail["codes"] == 10 and imported[0].detail["used"] == 2
    done = AuditEvent.objects.get(action=Audit.IMPORT_DONE)
    assert done.detail == {
        "format": "bitwarden",
        "found": 2,
        "created": 2,
        "codes_added": 0,
        "skipped": 0,
        "codes": 20,
    }
    every_detail = json.dumps([e.detail for e in AuditEvent.objects.all()])
    for secret in [*CODES, "s3cret-Password!", TOTP, "Call support", "social team"]:
        assert secret not in every_detail
