from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sparekey.workspace import two_step
from sparekey.workspace.commands import member_by_email


class Command(BaseCommand):
    help = (
        "Turn off a member's two-step login when they lost their authenticator and recovery "
        "codes and no Admin outranks them (the workspace Owner). Ends their sessions, is "
        "audited, and tells them by e-mail."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")

    def handle(self, *args: Any, **options: Any) -> None:
        member = member_by_email(options["email"], active=False)
        try:
            done = two_step.reset(None, member)
        except two_step.TwoStepError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Two-step login of {member.email} is off; {done.sessions_ended} session(s) ended. "
            "They log in with their password and can turn it on again."
        )
