from django.core.management.base import BaseCommand, CommandError

from learning.services.content import ContentError, content_dir, content_sync


class Command(BaseCommand):
    help = (
        "Upsert modules and problems from the TOML files under content/ by slug. Validates every "
        "file first (errors name the file, problem and field) and writes nothing if any is wrong. "
        "Idempotent. With --prune, problems and modules no longer in the files are deleted, "
        "except ones learners have answered, which are unpublished instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; write nothing.")
        parser.add_argument("--prune", action="store_true", help="Remove or unpublish content missing from the files.")
        parser.add_argument("--directory", default=None, help=f"Content folder (default {content_dir()}).")

    def handle(self, *args, dry_run=False, prune=False, directory=None, verbosity=1, **options):
        def progress(line):
            if verbosity >= 1:
                self.stdout.write(f"  {line}")

        try:
            report = content_sync(directory=directory, dry_run=dry_run, prune=prune, progress=progress)
        except ContentError as error:
            for line in error.errors:
                self.stderr.write(self.style.ERROR(line))
            raise CommandError(f"{len(error.errors)} content error(s); nothing was written.") from None
        prefix = "[dry run] " if dry_run else ""
        self.stdout.write(self.style.SUCCESS(prefix + report.summary()))
