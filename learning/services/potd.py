"""Choosing the problem of the day, and recording who completed it.

Dates are learners' local dates. At any instant the calendar shows up to three different
dates around the world (UTC−12 to UTC+14), so the scheduled task makes sure every date that is
"today" somewhere, and tomorrow after it, has its problem.
"""

import random
from datetime import timedelta

from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from ..models import Module, Problem, ProblemOfTheDay, ProblemOfTheDayCompletion

RECENT_DAYS = 30
EARLIEST_OFFSET = timedelta(hours=-12)
LATEST_OFFSET = timedelta(hours=14)


def _candidates(day):
    """Published problems in published modules with no prerequisites, not featured within the
    last RECENT_DAYS days before `day`."""
    has_prerequisites = Module.prerequisites.through.objects.filter(from_module=OuterRef("module"))
    recent = ProblemOfTheDay.objects.filter(
        problem=OuterRef("pk"),
        featured_on__gte=day - timedelta(days=RECENT_DAYS),
        featured_on__lt=day + timedelta(days=RECENT_DAYS),
    ).exclude(featured_on=day)
    return (
        Problem.objects.filter(is_published=True, module__is_published=True)
        .exclude(Exists(has_prerequisites))
        .exclude(Exists(recent))
        .order_by("pk")
    )


def _pick(day):
    candidates = list(_candidates(day).values_list("pk", "module_id"))
    if not candidates:
        # Small catalogues run out of fresh problems; repeating beats an empty day.
        candidates = list(
            Problem.objects.filter(is_published=True, module__is_published=True)
            .exclude(Exists(Module.prerequisites.through.objects.filter(from_module=OuterRef("module"))))
            .order_by("pk")
            .values_list("pk", "module_id")
        )
    if not candidates:
        return None
    # Vary modules: prefer the module featured least over the last RECENT_DAYS days.
    usage = dict(
        ProblemOfTheDay.objects.filter(featured_on__gte=day - timedelta(days=RECENT_DAYS), featured_on__lt=day)
        .values_list("problem__module_id")
        .annotate(n=Count("pk"))
    )
    yesterday = (
        ProblemOfTheDay.objects.filter(featured_on=day - timedelta(days=1))
        .values_list("problem__module_id", flat=True)
        .first()
    )
    least = min(usage.get(module_id, 0) + (module_id == yesterday) for _pk, module_id in candidates)
    pool = [pk for pk, module_id in candidates if usage.get(module_id, 0) + (module_id == yesterday) == least]
    # Seeded by the date so a re-run of the task on the same day makes the same choice.
    return random.Random(day.toordinal()).choice(pool)


def _cache_key(day):
    return f"learning:potd:{day.isoformat()}"


def potd_ids_for_date(day):
    """(ProblemOfTheDay id, problem id) for `day`, or None; cached because every correct answer
    asks. Whoever sets a day (this module, the admin) forgets the cached value."""
    cached = cache.get(_cache_key(day))
    if cached is None:
        row = ProblemOfTheDay.objects.filter(featured_on=day).values_list("pk", "problem_id").first()
        cached = tuple(row) if row else ()
        cache.set(_cache_key(day), cached, timeout=300)
    return cached or None


def potd_forget(day):
    cache.delete(_cache_key(day))


def potd_for_date(day):
    """The problem of the day for `day`, choosing it now if nobody has yet. Concurrent first
    requests agree: the unique date makes the second insert fail, and it reads the first."""
    existing = ProblemOfTheDay.objects.select_related("problem", "problem__module").filter(featured_on=day).first()
    if existing is not None:
        return existing
    problem_id = _pick(day)
    if problem_id is None:
        return None
    try:
        with transaction.atomic():
            ProblemOfTheDay.objects.create(featured_on=day, problem_id=problem_id)
    except IntegrityError:
        pass
    potd_forget(day)
    return ProblemOfTheDay.objects.select_related("problem", "problem__module").get(featured_on=day)


def potd_for_profile(profile, now=None):
    return potd_for_date(profile.local_today(now))


def potd_ensure_upcoming(now=None):
    """Choose the problem for every date that is today somewhere on Earth, and the day after.
    Idempotent; returns the ProblemOfTheDay rows."""
    now = now or timezone.now()
    first = (now + EARLIEST_OFFSET).date()
    last = (now + LATEST_OFFSET).date() + timedelta(days=1)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return [potd for potd in (potd_for_date(day) for day in days) if potd is not None]


def _completion_sql():
    meta = ProblemOfTheDayCompletion._meta
    quote = connection.ops.quote_name
    names = ("profile", "problem_of_the_day", "submission", "completed_at")
    columns = [quote(meta.get_field(name).column) for name in names]
    # The conflict target is the potd_completion_once key; any other error still raises.
    return (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) VALUES (%s, %s, %s, %s) "
        f"ON CONFLICT ({columns[0]}, {columns[1]}) DO NOTHING RETURNING {quote(meta.pk.column)}"
    )


def potd_completion_record(*, profile_id, problem_of_the_day_id, submission_id, completed_at):
    """Record that the learner completed that day's problem with `submission_id`, unless they
    already have; returns True when this call recorded it (so the day's XP is paid once).

    Precondition: inside the answer's transaction. One statement and no savepoint: an INSERT
    that does nothing on the (profile, day) unique key and returns the new id. On PostgreSQL it
    waits for a concurrent insert of the same key to commit or roll back before deciding, so
    exactly one completion per learner and day wins, and the first one stands. Hand-written
    because the ORM's bulk_create(ignore_conflicts=True) cannot tell whether it inserted
    (RETURNING needs SQLite >= 3.35).
    """
    completed_at = ProblemOfTheDayCompletion._meta.get_field("completed_at").get_db_prep_value(completed_at, connection)
    with connection.cursor() as cursor:
        cursor.execute(_completion_sql(), [profile_id, problem_of_the_day_id, submission_id, completed_at])
        return cursor.fetchone() is not None
