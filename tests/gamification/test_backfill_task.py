"""The admin's achievement backfill runs as a django-q2 task: the request only queues it."""

from datetime import UTC, date, datetime
from multiprocessing import Event, Value

import pytest
from django.db import transaction
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.models import OrmQ, Success, Task
from django_q.monitor import monitor
from django_q.pusher import pusher
from django_q.queues import Queue
from django_q.worker import worker

from gamification import tasks
from gamification.models import Achievement, EarnedAchievement, XpReason
from gamification.services import ActivityEvent, XpAward, activity_record
from gamification.tasks import BACKFILL_TASK_GROUP, backfill_achievement

D = date(2026, 11, 2)
CHANGELIST = "/admin/gamification/achievement/"


def first_solve_by(profile):
    """One first solve through the real service, so the learner qualifies for a `first_solve` rule."""
    award = XpAward(100, XpReason.FIRST_SOLVE, "first-solve:1")
    occurred = datetime(D.year, D.month, D.day, 12, tzinfo=UTC)
    with transaction.atomic():
        activity_record(event=ActivityEvent(profile_id=profile.pk, occurred_at=occurred, local_date=D, awards=(award,)))


def first_solve_achievement(**extra):
    return Achievement.objects.create(
        slug="first", name="First", description="d", rule="first_solve", threshold=1, xp_reward=20, **extra
    )


def earned_by(profile):
    return set(EarnedAchievement.objects.filter(profile=profile).values_list("achievement__slug", flat=True))


def run_queued_tasks():
    """One round of a qcluster, in this process: the pusher pulls what the ORM broker holds,
    a worker runs it, the monitor saves the result and acknowledges the package."""
    broker = get_broker()
    task_queue, result_queue = Queue(), Queue()
    stop = Event()
    stop.set()  # pull once, then return
    while broker.queue_size():
        pusher(task_queue, stop, broker=broker)
    task_queue.put("STOP")
    worker(task_queue, result_queue, Value("f", -1))
    result_queue.put("STOP")
    monitor(result_queue, broker=broker)


def post_backfill(client, *achievements):
    return client.post(
        CHANGELIST, {"action": "backfill", "_selected_action": [a.pk for a in achievements]}, follow=True
    )


def test_the_task_awards_whoever_qualifies_and_reports_how_many(learner, other_learner):
    first_solve_by(learner.profile)
    achievement = first_solve_achievement()
    assert backfill_achievement(achievement.pk) == 1
    assert backfill_achievement(achievement.pk) == 0  # idempotent
    assert earned_by(learner.profile) == {"first"} and earned_by(other_learner.profile) == set()


def test_a_long_backfill_runs_in_parts_each_queueing_the_next(learner, other_learner, monkeypatch):
    for profile in (learner.profile, other_learner.profile):
        first_solve_by(profile)
    achievement = first_solve_achievement()
    monkeypatch.setattr(tasks, "BACKFILL_PART_SECONDS", -1)  # every part is over time at once: one learner each
    # This first part awards one learner and queues the next, which (sync mode) runs at once.
    assert backfill_achievement(achievement.pk) == 1
    assert earned_by(learner.profile) == earned_by(other_learner.profile) == {"first"}
    last = Success.objects.get(group=BACKFILL_TASK_GROUP)
    achievement_id, resume_after, awarded_before = last.args
    assert (last.name, achievement_id, awarded_before, last.result) == ("backfill: first", achievement.pk, 1, 2)
    assert learner.profile.pk <= resume_after < other_learner.profile.pk
    assert backfill_achievement(achievement.pk) == 0


def test_the_task_awards_nobody_for_an_achievement_gone_or_switched_off_since_queueing(learner):
    first_solve_by(learner.profile)
    achievement = first_solve_achievement(is_active=False)
    assert backfill_achievement(achievement.pk) == 0
    assert backfill_achievement(achievement.pk + 1000) == 0
    assert earned_by(learner.profile) == set()


def test_the_admin_action_queues_a_task_that_awards_in_sync_mode(
    client, staff, learner, django_capture_on_commit_callbacks
):
    first_solve_by(learner.profile)
    achievement = first_solve_achievement()
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post_backfill(client, achievement)
    # Queued once the request's transaction (if any) commits; the rest are the task's own.
    assert callbacks[0].args == (backfill_achievement, achievement.pk)
    page = response.content.decode()
    assert 'First: backfill queued as task "backfill: first"' in page
    assert f"/admin/django_q/success/?group={BACKFILL_TASK_GROUP}" in page
    assert f"/admin/django_q/failure/?group={BACKFILL_TASK_GROUP}" in page
    assert earned_by(learner.profile) == {"first"}
    task = Success.objects.get(group=BACKFILL_TASK_GROUP)
    assert (task.name, task.func, task.result) == ("backfill: first", "gamification.tasks.backfill_achievement", 1)
    listed = client.get(f"/admin/django_q/success/?group={BACKFILL_TASK_GROUP}")
    assert listed.status_code == 200 and "backfill: first" in listed.content.decode()
    assert client.get(f"/admin/django_q/failure/?group={BACKFILL_TASK_GROUP}").status_code == 200


def test_the_admin_action_queues_nothing_for_an_inactive_achievement(
    client, staff, learner, django_capture_on_commit_callbacks
):
    first_solve_by(learner.profile)
    achievement = first_solve_achievement(is_active=False)
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post_backfill(client, achievement)
    assert callbacks == []
    assert "First: inactive, nobody awarded." in response.content.decode()
    assert not Task.objects.exists() and earned_by(learner.profile) == set()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_request_only_queues_and_the_cluster_awards_later(client, staff, learner, monkeypatch):
    monkeypatch.setattr(Conf, "SYNC", False)  # as in production: tasks go to the broker
    first_solve_by(learner.profile)
    achievement = first_solve_achievement()
    client.force_login(staff)

    response = post_backfill(client, achievement)

    assert response.status_code == 200 and "backfill queued" in response.content.decode()
    assert OrmQ.objects.count() == 1 and not Task.objects.exists()
    assert earned_by(learner.profile) == set()

    run_queued_tasks()

    assert earned_by(learner.profile) == {"first"}
    assert not OrmQ.objects.exists()  # acknowledged
    assert Success.objects.get(group=BACKFILL_TASK_GROUP).result == 1
