from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "sparekey.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Indexes each login's session by member, so that deactivating one ends all of theirs.
        from sparekey.workspace import members  # noqa: F401
