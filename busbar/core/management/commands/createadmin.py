import getpass

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from busbar.accounts.actions import create_platform_admin
from busbar.lib.actions import ActionError, Actor
from busbar.parties.actions import create_organisation
from busbar.parties.models import IndustryRole, Organisation


class Command(BaseCommand):
    help = "Create a platform administrator (and the operator organisation if there is none)."

    def add_arguments(self, parser):
        parser.add_argument("--email")
        parser.add_argument("--name")
        parser.add_argument("--password", help="omit to be asked (safer than the command line)")
        parser.add_argument("--organisation", default="Switching Operator", help="operator organisation name")

    def handle(self, *args: object, **opts: object) -> None:
        email = opts["email"] or input("Email: ")
        name = opts["name"] or input("Name: ")
        password = opts["password"] or getpass.getpass("Password: ")
        if len(password) < 10:
            raise CommandError("The password must be at least 10 characters")
        actor = Actor.system()
        try:
            with transaction.atomic():
                org = Organisation.objects.filter(name=opts["organisation"]).first() or create_organisation(
                    actor=actor,
                    name=opts["organisation"],
                    roles=[IndustryRole.SWITCHING_OPERATOR, IndustryRole.SERVICE_DESK],
                )
                create_platform_admin(
                    actor=actor, email=email, full_name=name, password=password, organisation=org
                )
        except ActionError as exc:
            raise CommandError(f"{exc.field or 'error'}: {exc.message}") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Platform administrator {email} created in {org}. Set up MFA at first sign-in."
            )
        )
