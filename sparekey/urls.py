from django.contrib.auth import views as auth_views
from django.urls import include, path

from sparekey import health
from sparekey.accounts import sharing_views as sharing
from sparekey.accounts import views as accounts
from sparekey.backup_codes import views as backup_codes
from sparekey.mfa import views as mfa
from sparekey.transfer import views as transfer
from sparekey.workspace import members_views as members
from sparekey.workspace import teams_views as teams
from sparekey.workspace import two_step_views as two_step
from sparekey.workspace import views as workspace

account_urls = [
    path("", accounts.account_details, name="account_details"),
    path("backup-codes/", backup_codes.view_codes, name="view_codes"),
    path("backup-codes/add/", backup_codes.add_codes, name="add_codes"),
    path("backup-codes/preview/", backup_codes.preview_codes, name="preview_codes"),
    path("backup-codes/replace/", backup_codes.replace_codes, name="replace_codes"),
    path("backup-codes/next/", backup_codes.use_next_code, name="use_next_code"),
    path("backup-codes/delete/", backup_codes.delete_codes, name="delete_codes"),
    path("backup-codes/<int:position>/mark/", backup_codes.mark_code, name="mark_code"),
    path("edit/", accounts.edit_account, name="edit_account"),
    path("remove/", accounts.remove_account, name="remove_account"),
    path("share/", sharing.share_account, name="share_account"),
    path("access/<int:grant>/remove/", sharing.remove_access, name="remove_access"),
    path("secrets/", mfa.edit_secrets, name="edit_secrets"),
    path("password/", mfa.view_password, name="view_password"),
    path("mfa/", mfa.mfa_settings, name="mfa_settings"),
    path("mfa/secret-key/", mfa.set_totp, name="set_totp"),
    path("mfa/secret-key/preview/", mfa.preview_totp, name="preview_totp"),
    path("mfa/secret-key/qr/", mfa.view_totp_qr, name="view_totp_qr"),
    path("mfa/code/", mfa.current_code, name="current_code"),
    path("export/", transfer.export_account, name="export_account"),
]

member_urls = [
    path("", members.member_list, name="members"),
    path("invite/", members.invite_member, name="invite_member"),
    path("handover/", members.handover, name="handover"),
    path("<uuid:member>/role/", members.change_member_role, name="change_member_role"),
    path("<uuid:member>/deactivate/", members.deactivate_member, name="deactivate_member"),
    path("<uuid:member>/reactivate/", members.reactivate_member, name="reactivate_member"),
    path("<uuid:member>/two-step/reset/", two_step.reset_member, name="reset_member_two_step"),
]

team_urls = [
    path("", teams.team_list, name="teams"),
    path("<uuid:team>/", teams.team, name="team"),
    path("<uuid:team>/delete/", teams.delete_team, name="delete_team"),
    path(
        "<uuid:team>/members/<uuid:member>/remove/",
        teams.remove_team_member,
        name="remove_team_member",
    ),
]

two_step_urls = [
    path("", two_step.two_step_page, name="two_step"),
    path("start/", two_step.start, name="two_step_start"),
    path("setup/", two_step.setup, name="two_step_setup"),
    path("recovery-codes/", two_step.recovery_codes, name="two_step_recovery_codes"),
    path("off/", two_step.turn_off, name="two_step_off"),
    path("workspace/", two_step.policy, name="two_step_policy"),
]

urlpatterns = [
    path("", accounts.dashboard, name="dashboard"),
    path("healthz", health.healthz, name="healthz"),
    path("login/", workspace.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("setup/<str:token>/", workspace.setup, name="setup"),
    path("confirm/", workspace.confirm_identity, name="confirm_identity"),
    path("accounts/add/", accounts.add_account, name="add_account"),
    path("accounts/import/", transfer.import_accounts, name="import_accounts"),
    path("accounts/import/confirm/", transfer.confirm_import, name="confirm_import"),
    path("accounts/export/", transfer.export_accounts, name="export_accounts"),
    path("accounts/deleted/", accounts.deleted_accounts, name="deleted_accounts"),
    path(
        "accounts/deleted/<uuid:removed>/restore/",
        accounts.restore_account,
        name="restore_account",
    ),
    path("accounts/orphaned/", sharing.orphaned_accounts, name="orphaned_accounts"),
    path("accounts/orphaned/<uuid:orphan>/assign/", sharing.assign_owners, name="assign_owners"),
    path("accounts/<uuid:account>/", include(account_urls)),
    path("members/", include(member_urls)),
    path("teams/", include(team_urls)),
    path("two-step/", include(two_step_urls)),
    path("invitations/<str:token>/", members.accept_invitation, name="accept_invitation"),
    path("activity/", include("sparekey.audit.urls")),
    path("maintenance/", include("sparekey.maintenance.urls")),
    path("tokens/", include("sparekey.api.page_urls")),
    path("api/", include("sparekey.api.urls")),
]

# Failures before any view runs (a bad Host header, say): the API's JSON shape under /api/,
# Django's own pages elsewhere.
handler400 = "sparekey.api.errors.handler400"
handler500 = "sparekey.api.errors.handler500"
