from __future__ import annotations

import getpass
import sys
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError

from sparekey.audit import chain
from sparekey.audit.models import Action as Audit
from sparekey.workspace.models import Member, WorkspaceRole

ROLES = {"owner", "super_admin", "admin", "user", "login_only"}


class Command(BaseCommand):
    help = (
        "Add a member to the workspace. The password is read from a prompt (twice) or, with "
        "--password-stdin, from standard input; never from the command line."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--role", required=True, choices=sorted(ROLES))
        parser.add_argument("--name", default="")
        parser.add_argument("--password-stdin", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["email"].strip().lower()
        if Member.objects.filter(email__iexact=email).exists():
            raise CommandError(f"A member with the email {email} exists already.")
        if options["role"] == "owner" and Member.objects.filter(role="owner").exists():
            raise CommandError("The workspace has an Owner already; there is exactly one.")
        password = self.read_password(options["password_stdin"])
        candidate = Member(email=email, name=options["name"])
        try:
            password_validation.validate_password(password, candidate)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        try:
            member = Member.objects.create_member(
                email, password, role=WorkspaceRole(options["role"]), name=options["name"]
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        except IntegrityError:
            raise CommandError(f"A member with the email {email} exists already.") from None
        chain.record(Audit.MEMBER_ADDED, detail={"member": member.email, "role": member.role})
        self.stdout.write(f"Added {member.email} ({member.get_role_display()}).")

    def read_password(self, from_stdin: bool) -> str:
        if from_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            if not sys.stdin.isatty():
                raise CommandError("No terminal to prompt on: use --password-stdin.")
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords differ.")
        if not password:
            raise CommandError("The password is empty.")
        return password
