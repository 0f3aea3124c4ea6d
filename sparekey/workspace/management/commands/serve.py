from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.wsgi import get_wsgi_application
from django.db import connections
from gunicorn.app.base import BaseApplication

from sparekey.crypto import CryptoError
from sparekey.keys import keyring
from sparekey.workspace.models import Member, SetupToken


class Server(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return get_wsgi_application()


class Command(BaseCommand):
    help = (
        "Serve Sparekey with gunicorn (static files included). Applies pending migrations first "
        "unless --no-migrate; prints a one-time setup link while the workspace has no member."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--no-migrate", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("check")
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        try:
            ring = keyring()
        except CryptoError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Data directory: {settings.DATA_DIR} (master key {ring.current_id})")
        address = f"{options['host']}:{options['port']}"
        if not Member.objects.exists():
            token = SetupToken.issue()
            base = settings.BASE_URL or f"http://{address}"
            self.stdout.write(
                "No member exists yet. Create the workspace Owner here (one use, 24 hours):\n"
                f"  {base}/setup/{token}/"
            )
        self.stdout.write(f"Serving Sparekey on http://{address}/")
        self.stdout.flush()
        # The checks above opened a connection; persistent connections (CONN_MAX_AGE) would let
        # every forked worker inherit and share it, one socket or SQLite handle for all of them.
        connections.close_all()
        Server(
            {
                "bind": address,
                "workers": options["workers"],
                "worker_class": "sync",
                "accesslog": "-",
                # The access log holds paths and statuses; no URL of ours carries a secret.
                "access_log_format": '%(h)s "%(r)s" %(s)s %(b)s %(M)sms',
                "timeout": 60,
                "graceful_timeout": 10,
                # Several servers may run on one host; none needs gunicorn's control socket.
                "control_socket_disable": True,
            }
        ).run()
