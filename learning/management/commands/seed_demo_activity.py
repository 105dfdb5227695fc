import random
from datetime import datetime, time, timedelta

from django.core.management.base import BaseCommand

from accounts.models import Profile
from learning.models import Problem, Submission
from learning.services import goals
from learning.services.submissions import problem_open, submission_create

# Who gets a history, and on which of the last 28 days they practised (0 = today).
DEMO_HISTORIES = {
    "learner@learnloop.local": [27, 26, 25, 23, 22, 21, 20, 19, 17, 16, 15, 14, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1],
    "child:Kit": [9, 8, 6, 5, 4, 2, 1],
}


class Command(BaseCommand):
    help = (
        "Give the demo learner and one demo child a few weeks of practice, answered through the real "
        "submit path at past times, so the dashboard, streak calendar and XP chart have something to "
        "show. Does nothing for a profile that already has submissions."
    )

    def handle(self, *args, **options):
        rng = random.Random(2026)
        problems = list(Problem.objects.filter(is_published=True, module__is_published=True).select_related("module"))
        problems.sort(key=lambda p: (p.module.display_order, p.display_order))
        for who, days_ago in DEMO_HISTORIES.items():
            profile = self._profile(who)
            if profile is None or Submission.objects.filter(profile=profile).exists():
                continue
            goals.daily_goal_set(profile=profile, level="regular")
            queue = iter(problems)
            answered = 0
            for index, ago in enumerate(days_ago, start=1):
                day = profile.local_today() - timedelta(days=ago)
                moment = datetime.combine(day, time(17, 0), tzinfo=profile.zone)
                for _ in range(rng.choice((1, 2, 2, 3))):
                    problem = next(queue, None)
                    if problem is None:
                        break
                    answered += self._answer(profile, problem, moment, rng)
                    moment += timedelta(minutes=4)
                self.stdout.write(f"\r  {profile.display_name}: day {index}/{len(days_ago)}", ending="")
            self.stdout.write(f"\r  {profile.display_name}: {answered} answers over {len(days_ago)} days")

    def _profile(self, who):
        if who.startswith("child:"):
            return Profile.objects.filter(user__isnull=True, display_name=who.split(":", 1)[1]).first()
        return Profile.objects.filter(user__email=who).first()

    def _answer(self, profile, problem, moment, rng):
        judge = problem.judge
        problem_open(profile=profile, problem=problem, now=moment - timedelta(seconds=rng.randint(40, 400)))
        count = 0
        if rng.random() < 0.3 and judge.input_type in ("number", "text"):
            submission_create(profile=profile, problem=problem, answer="999", now=moment - timedelta(seconds=20))
            count += 1
        submission_create(
            profile=profile, problem=problem, answer=judge.example_answer(problem.judge_config), now=moment
        )
        return count + 1
