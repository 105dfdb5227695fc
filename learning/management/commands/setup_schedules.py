from django.core.management.base import BaseCommand
from django_q.models import Schedule

# Declared once, registered by name: running this again updates rather than duplicates.
SCHEDULES = [
    {
        "name": "learning: choose problems of the day",
        "func": "learning.tasks.choose_problems_of_the_day",
        "schedule_type": Schedule.MINUTES,
        "minutes": 30,
    },
    {
        "name": "learning: expire practice sessions",
        "func": "learning.tasks.expire_practice_sessions",
        "schedule_type": Schedule.MINUTES,
        "minutes": 10,
    },
    {
        "name": "gamification: refresh leaderboards",
        "func": "gamification.tasks.refresh_leaderboards",
        "schedule_type": Schedule.MINUTES,
        "minutes": 1,
    },
]


class Command(BaseCommand):
    help = "Register the scheduled tasks (django-q2) by name. Idempotent: existing schedules are updated."

    def handle(self, *args, **options):
        for spec in SCHEDULES:
            values = {key: value for key, value in spec.items() if key != "name"}
            _, created = Schedule.objects.update_or_create(name=spec["name"], defaults={**values, "repeats": -1})
            self.stdout.write(f"  {'created' if created else 'updated'}: {spec['name']}")
