from django.core.management.base import BaseCommand

from ciic.projects.tus import remove_expired_uploads


class Command(BaseCommand):
    help = "Remove unfinished resumable uploads past their expiry, with their partial files."

    def handle(self, *args, **options):
        removed = remove_expired_uploads()
        self.stdout.write(self.style.SUCCESS(f"removed {removed} expired upload(s)"))
