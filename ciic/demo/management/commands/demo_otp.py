from django.core.management.base import BaseCommand

from ciic.demo.entrants import demo_totp_codes


class Command(BaseCommand):
    help = "Print the current two-factor (TOTP) code of every demo staff account."

    def handle(self, *args, **options):
        rows = demo_totp_codes()
        if not rows:
            self.stdout.write("no demo staff accounts: run `make run` or `manage.py demo_setup` first")
        for login, _secret, code in rows:
            self.stdout.write(f"{login:<28} {code}")
