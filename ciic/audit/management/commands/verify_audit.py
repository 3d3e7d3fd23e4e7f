from django.core.management.base import BaseCommand, CommandError

from ciic.audit.services import verify_chain


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain and name the first broken entry."

    def handle(self, *args, **options):
        checked, broken, reason = verify_chain()
        if reason:
            where = f"entry #{broken.seq} ({broken.action} at {broken.at.isoformat()})" if broken else "head"
            raise CommandError(f"audit chain broken at {where}: {reason}; {checked} entries verified before it")
        self.stdout.write(self.style.SUCCESS(f"audit chain intact: {checked} entries verified"))
