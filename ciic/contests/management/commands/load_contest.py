"""`manage.py load_contest PATH [--shift-to-now]`: load a contest spec (YAML)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ciic.contests.services import SpecError, load_contest_file


class Command(BaseCommand):
    help = (
        "Load a contest spec (YAML) into the database: create or update the contest and all "
        "its rows in one transaction. An invalid spec writes nothing and lists every error."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the spec file, e.g. ciic/contests/specs/ciic-2023.yaml")
        parser.add_argument(
            "--shift-to-now",
            action="store_true",
            help="move the whole schedule (keeping its gaps) so that registration is open now; "
            "for demos and test servers",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = load_contest_file(options["path"], shift_to_now=options["shift_to_now"])
        except SpecError as exc:
            for error in exc.errors:
                self.stderr.write(error)
            raise CommandError(
                f"{options['path']}: {len(exc.errors)} error(s); nothing was loaded"
            ) from exc
        lines = result.summary()
        self.stdout.write(self.style.SUCCESS(lines[0]))
        for line in lines[1:]:
            self.stdout.write(line)
