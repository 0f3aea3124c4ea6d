from django.contrib.auth import views as auth_views
from django.urls import include, path

from sparekey.accounts import views as accounts
from sparekey.backup_codes import views as backup_codes
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
]

urlpatterns = [
    path("", accounts.dashboard, name="dashboard"),
    path("login/", workspace.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("setup/<str:token>/", workspace.setup, name="setup"),
    path("confirm/", workspace.confirm_identity, name="confirm_identity"),
    path("accounts/<uuid:account>/", include(account_urls)),
    path("activity/", include("sparekey.audit.urls")),
]
