from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    name = "sparekey.workspace"
    label = "workspace"
    verbose_name = "Workspace"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
