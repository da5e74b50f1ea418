from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from allauth.mfa.utils import decrypt
from django.core.management.base import BaseCommand, CommandError

from busbar.accounts.models import User


class Command(BaseCommand):
    help = "Print the current one-time code of a user's authenticator (for demo and test accounts)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args: object, **opts: object) -> None:
        from django.conf import settings

        from busbar.core.demo import PEOPLE

        email = str(opts["email"]).lower()
        if not (settings.DEBUG or settings.TESTING or email in {p[0] for p in PEOPLE}):
            # Printing a live second factor is for demo and test accounts only.
            raise CommandError("busbar totp only works for the demo accounts (or with BUSBAR_DEBUG=true)")
        user = User.objects.filter(email=email).first()
        if user is None:
            raise CommandError(f"No user {opts['email']}")
        auth = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
        if auth is None:
            raise CommandError(f"{user.email} has no authenticator app set up")
        counters = list(yield_hotp_counters_from_time())
        current = counters[len(counters) // 2]
        self.stdout.write(format_hotp_value(hotp_value(decrypt(auth.data["secret"]), current)))
