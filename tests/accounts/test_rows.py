"""accounts.rows: the precompiled row statements of the hot paths load, insert and update rows
exactly as the ORM would, on both databases."""

from datetime import date, timedelta

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.api.authentication import token_with_user_and_profile
from accounts.rows import (
    WriteBatch,
    _combined,
    columns,
    fetch_one,
    instance_from,
    row_insert_then_update,
    row_update,
    rows_insert,
)
from gamification.models import ActivityDay, ProfileStats
from learning.models import ProblemProgress, Submission
from learning.services.submissions import submission_create
from tests.learning.factories import ProblemFactory


def _every_value(instance):
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}


def test_a_row_read_by_hand_equals_the_orm_row(learner):
    # JSON, booleans, a nullable foreign key, text and an aware datetime: every converter kind.
    result = submission_create(profile=learner.profile, problem=ProblemFactory(), answer="3/4")
    sql = f"SELECT {columns(Submission, 's')} FROM {Submission._meta.db_table} s WHERE s.id = %s"
    loaded = instance_from(Submission, fetch_one(sql, [result.submission.pk]))
    assert _every_value(loaded) == _every_value(Submission.objects.get(pk=result.submission.pk))
    assert loaded.is_correct is True and loaded.answer == "3/4" and loaded.created_at.tzinfo is not None
    assert not loaded._state.adding


def test_row_update_writes_only_the_named_fields_and_refreshes_auto_now(learner):
    stats = ProfileStats.objects.create(profile=learner.profile, total_xp=10, level=1)
    stale_copy = ProfileStats.objects.get(pk=stats.pk)
    before = stats.updated_at
    stats.total_xp, stats.current_streak = 70, 99  # only total_xp is named below
    assert row_update(stats, ["total_xp", "updated_at"])
    stored = ProfileStats.objects.get(pk=stats.pk)
    assert stored.total_xp == 70 and stored.current_streak == 0
    assert stored.updated_at > before and stored.updated_at == stats.updated_at
    stale_copy.pk = 10**9  # no such row
    assert not row_update(stale_copy, ["total_xp"])


def test_rows_insert_sets_keys_in_order_and_can_skip_conflicts(learner):
    profile = learner.profile
    days = [ActivityDay(profile=profile, day=date(2026, 3, n)) for n in (1, 2, 3)]
    rows_insert(days)
    assert [d.pk for d in days] == list(
        ActivityDay.objects.filter(profile=profile).order_by("day").values_list("pk", flat=True)
    )
    assert all(d.created_at is not None and not d._state.adding for d in days)
    again = [
        ActivityDay(profile=profile, day=date(2026, 3, 3), is_frozen=True),
        ActivityDay(profile=profile, day=date(2026, 3, 4)),
    ]
    rows_insert(again, ignore_conflicts=True)
    assert ActivityDay.objects.filter(profile=profile).count() == 4
    assert not ActivityDay.objects.get(profile=profile, day=date(2026, 3, 3)).is_frozen  # the first row stands


def test_the_token_comes_with_its_user_and_own_profile_in_one_query(learner, django_assert_num_queries):
    key = Token.objects.create(user=learner).key
    with django_assert_num_queries(1):
        token = token_with_user_and_profile(key)
        assert token.user == learner and token.user.profile == learner.profile
        assert token.user.profile.user is token.user
    assert token_with_user_and_profile("no-such-key") is None


def test_an_inactive_users_token_is_refused(learner):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=learner).key}")
    assert client.get("/api/v1/me/").status_code == 200
    learner.is_active = False
    learner.save(update_fields=["is_active"])
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert "inactive" in response.json()["error"]["message"].lower()


@pytest.mark.parametrize("age", [timedelta(0), timedelta(days=400)])
def test_dates_and_times_survive_the_round_trip(learner, age):
    when = timezone.now() - age
    stats = ProfileStats.objects.create(profile=learner.profile, last_active_on=when.date(), xp_reached_at=when)
    sql = f"SELECT {columns(ProfileStats, 's')} FROM {ProfileStats._meta.db_table} s WHERE s.profile_id = %s"
    loaded = instance_from(ProfileStats, fetch_one(sql, [stats.pk]))
    assert loaded.last_active_on == when.date() and loaded.xp_reached_at == when


def _batch_of_three(profile):
    """Three writes touching different rows; the last one skips a row that existed before."""
    ActivityDay.objects.create(profile=profile, day=date(2026, 4, 3))
    batch = WriteBatch()
    batch.insert([ActivityDay(profile=profile, day=date(2026, 4, n)) for n in (1, 2)])
    stats = ProfileStats.objects.create(profile=profile)
    stats.total_xp = 40
    batch.update(stats, ["total_xp", "updated_at"])
    batch.insert([ActivityDay(profile=profile, day=date(2026, 4, 3), is_frozen=True)], ignore_conflicts=True)
    return batch


def test_a_write_batch_is_one_statement_on_postgresql_and_one_each_elsewhere(learner, django_assert_num_queries):
    profile = learner.profile
    batch = _batch_of_three(profile)
    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 3):
        batch.run()
    assert len(batch) == 0  # a batch runs once
    assert ProfileStats.objects.get(profile=profile).total_xp == 40
    days = dict(ActivityDay.objects.filter(profile=profile).values_list("day", "is_frozen"))
    assert days == {date(2026, 4, 1): False, date(2026, 4, 2): False, date(2026, 4, 3): False}


def test_a_failing_write_fails_the_whole_batch(learner):
    profile = learner.profile
    batch = _batch_of_three(profile)
    batch.insert([ActivityDay(profile=profile, day=date(2026, 4, 3))])  # no conflict skipping: fails
    with pytest.raises(IntegrityError), transaction.atomic():
        batch.run()
    assert ProfileStats.objects.get(profile=profile).total_xp == 0
    assert list(ActivityDay.objects.filter(profile=profile).values_list("day", flat=True)) == [date(2026, 4, 3)]


def test_a_write_batch_joins_a_statement_with_its_own_with_clause(learner):
    # As the boards' statement, which has a WITH clause of its own, joins an action's writes.
    profile = learner.profile
    batch = WriteBatch()
    batch.insert([ActivityDay(profile=profile, day=date(2026, 4, 1))])
    batch.add(
        f'WITH chosen AS (SELECT %s AS day) INSERT INTO "{ActivityDay._meta.db_table}" '
        "(profile_id, day, is_frozen, created_at) SELECT %s, day, %s, %s FROM chosen",
        [date(2026, 4, 3), profile.pk, True, timezone.now()],
    )
    batch.run()
    days = set(ActivityDay.objects.filter(profile=profile).values_list("day", "is_frozen"))
    assert days == {(date(2026, 4, 1), False), (date(2026, 4, 3), True)}


def test_combined_statement_keeps_the_parameters_in_text_order():
    sql, params = _combined([("INSERT INTO a VALUES (%s)", [1]), ("WITH w AS (SELECT %s) UPDATE b SET c = %s", [2, 3])])
    assert sql == "WITH batched_write_0 AS (INSERT INTO a VALUES (%s)), w AS (SELECT %s) UPDATE b SET c = %s"
    assert params == [1, 2, 3]
    with pytest.raises(AssertionError):
        _combined([("WITH a AS (SELECT 1) SELECT 1", []), ("WITH b AS (SELECT 1) SELECT 1", [])])


def _answer(profile, problem, *, score):
    return Submission(
        profile=profile,
        problem=problem,
        answer="x",
        is_correct=score == 100,
        score=score,
        judge_name="numeric",
        judge_version="1",
        seconds_taken=3,
    )


def test_insert_then_update_points_the_row_at_the_new_one_or_keeps_its_pointer(learner, django_assert_num_queries):
    profile, problem = learner.profile, ProblemFactory()
    progress = ProblemProgress.objects.create(profile=profile, problem=problem)
    first = _answer(profile, problem, score=40)
    progress.best_submission, progress.attempts = first, 1
    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 2):
        row_insert_then_update(first, progress, ["best_submission", "attempts"], pointer="best_submission")
    assert first.pk is not None and progress.best_submission_id == first.pk
    with django_assert_num_queries(0):
        assert progress.best_submission is first  # still cached, as after save()
    worse = _answer(profile, problem, score=10)
    progress.attempts = 2  # the best stays the first answer
    row_insert_then_update(worse, progress, ["best_submission", "attempts"], pointer="best_submission")
    stored = ProblemProgress.objects.get(pk=progress.pk)
    assert (stored.best_submission_id, stored.attempts) == (first.pk, 2)
    assert Submission.objects.filter(pk=worse.pk).exists()


def test_insert_then_update_of_a_missing_row_fails(learner):
    profile, problem = learner.profile, ProblemFactory()
    missing = ProblemProgress(pk=10**9, profile=profile, problem=problem)
    with pytest.raises(DatabaseError), transaction.atomic():
        row_insert_then_update(_answer(profile, problem, score=0), missing, ["attempts"], pointer="best_submission")
    assert not Submission.objects.exists()
