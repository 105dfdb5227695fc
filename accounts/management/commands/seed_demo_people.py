"""Create the demo people for `make run`, once."""

from django.core.management.base import BaseCommand

from accounts import services
from accounts.models import LinkRole, Profile, User

DEMO_PASSWORD = "learnloop-demo-2026"
DEMO_PEOPLE = [
    # (email, display name, time zone, staff?)
    ("learner@learnloop.local", "Lena Learner", "Europe/London", False),
    ("parent@learnloop.local", "Pat Parent", "Europe/Berlin", False),
    ("teacher@learnloop.local", "Tess Teacher", "America/New_York", False),
    ("admin@learnloop.local", "Ada Admin", "UTC", True),
]
DEMO_CHILDREN = ["Kit", "Mo"]
DEMO_STUDENT = "Rio"


class Command(BaseCommand):
    help = (
        "Create the demo people once (a learner, a parent with two children, a teacher with a "
        "student, a staff admin) and print their logins. Safe to run again: existing demo "
        "accounts are left as they are."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-demo", action="store_true", help="Skip the demo people.")

    def handle(self, *args, no_demo=False, **options):
        if not no_demo:
            self._demo_people()

    def _demo_people(self):
        created = 0
        users = {}
        for email, name, zone, is_staff in DEMO_PEOPLE:
            user = User.objects.filter(email__iexact=email).first()
            if user is None:
                user = services.user_register(email=email, password=DEMO_PASSWORD, display_name=name, time_zone=zone)
                if is_staff:
                    User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
                created += 1
            users[email] = user
        parent = users["parent@learnloop.local"]
        teacher = users["teacher@learnloop.local"]
        for child in DEMO_CHILDREN:
            if not Profile.objects.filter(created_by=parent, display_name=child).exists():
                services.managed_profile_create(guardian=parent, display_name=child, role=LinkRole.PARENT)
        if not Profile.objects.filter(created_by=teacher, display_name=DEMO_STUDENT).exists():
            services.managed_profile_create(guardian=teacher, display_name=DEMO_STUDENT, role=LinkRole.TEACHER)
        learner_profile = users["learner@learnloop.local"].profile
        if not learner_profile.links.filter(user=teacher).exists():
            code = services.link_code_create(user=teacher, role=LinkRole.TEACHER)
            services.link_code_accept(user=users["learner@learnloop.local"], code=code.code)

        if created:
            self.stdout.write(self.style.SUCCESS(f"Created {created} demo accounts."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, name, _zone, is_staff in DEMO_PEOPLE:
            role = "staff admin, /admin/" if is_staff else name
            self.stdout.write(f"  {email:<28} {role}")
        self.stdout.write(
            f"  (the parent manages {', '.join(DEMO_CHILDREN)}; the teacher manages {DEMO_STUDENT} and follows Lena)"
        )
