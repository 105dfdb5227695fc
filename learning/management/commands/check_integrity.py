from django.core.management.base import BaseCommand

from gamification.services import stats_check_all
from learning import integrity


class Command(BaseCommand):
    help = (
        "Recompute every cached figure from the facts and report drift per learner: profile stats "
        "(XP, level, problems solved, streaks, freezes, badge) from the XP ledger and activity days; "
        "progress rows from submissions; first-solve XP from first solves. Also proves every user has "
        "a profile and no profile is orphaned. Exits 1 when anything drifted; --fix repairs what can "
        "be recomputed (stats and progress counters)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="Rewrite drifted cached figures from the facts.")
        parser.add_argument("--limit", type=int, default=50, help="Print at most this many drift lines per check.")

    def handle(self, *args, fix=False, limit=50, **options):
        def reporter(label):
            def progress(done, total):
                self.stdout.write(f"\r  {label}: {done:,}/{total:,} learners checked", ending="")
                self.stdout.flush()

            return progress

        checks = [
            ("users without a profile", integrity.users_without_profile, False),
            ("orphaned profiles", integrity.orphan_profiles, False),
            ("progress rows", lambda: integrity.progress_drift(fix=fix, progress=reporter("progress rows")), True),
            ("first-solve XP", lambda: integrity.first_solve_xp_drift(progress=reporter("first-solve XP")), True),
            ("profile stats", lambda: stats_check_all(fix=fix, progress=reporter("profile stats")), True),
        ]
        total = 0
        for label, check, reports in checks:
            found = check()
            if reports:
                self.stdout.write("")
            total += len(found)
            style = self.style.SUCCESS if not found else self.style.ERROR
            self.stdout.write(style(f"{label}: {len(found)} problem(s)"))
            for drift in found[:limit]:
                cached = getattr(drift, "cached", None)
                derived = getattr(drift, "derived", None)
                what = getattr(drift, "what", None) or getattr(drift, "field", "")
                self.stdout.write(f"  profile {drift.profile_id}: {what}: cached {cached!r}, facts say {derived!r}")
            if len(found) > limit:
                self.stdout.write(f"  … and {len(found) - limit} more")
        if total:
            verb = "repaired what could be recomputed" if fix else "run with --fix to repair"
            self.stdout.write(self.style.ERROR(f"{total} problem(s) found; {verb}."))
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS("Everything agrees with the facts."))
