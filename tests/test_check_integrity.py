import pytest
from django.core.management import call_command

from gamification.models import ProfileStats, XpEntry
from learning.models import ProblemProgress
from learning.services.submissions import submission_create
from tests.learning.factories import ProblemFactory


@pytest.fixture
def history(learner):
    problems = [ProblemFactory() for _ in range(3)]
    for problem in problems:
        submission_create(profile=learner.profile, problem=problem, answer="1/2")
        submission_create(profile=learner.profile, problem=problem, answer="3/4")
    return learner.profile


def test_a_clean_database_passes(history, capsys):
    call_command("check_integrity")
    assert "Everything agrees" in capsys.readouterr().out


def test_drift_is_reported_with_exit_code_1_and_repaired_with_fix(history, capsys):
    ProfileStats.objects.filter(profile=history).update(total_xp=5, current_streak=9, longest_streak=9)
    ProblemProgress.objects.filter(profile=history).update(points_earned=1)
    with pytest.raises(SystemExit) as exit_info:
        call_command("check_integrity")
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert f"profile {history.pk}: total_xp: cached 5, facts say 450" in out
    assert "points_earned" in out
    with pytest.raises(SystemExit):
        call_command("check_integrity", "--fix")
    call_command("check_integrity")
    assert ProfileStats.objects.get(profile=history).total_xp == 450


def test_xp_without_a_first_solve_is_drift(history, capsys):
    XpEntry.objects.create(
        profile=history, amount=99, reason="first_solve", source="first-solve:999999", earned_on="2026-11-01"
    )
    with pytest.raises(SystemExit):
        call_command("check_integrity")
    assert "without a first solve" in capsys.readouterr().out


def test_drift_is_found_for_the_right_learners_among_many(db):
    # The checks walk learners in profile order, one at a time; drift in the middle of the walk,
    # and learners present on one side only, must each be reported against the right learner.
    from gamification.services import stats_check_all
    from learning import integrity
    from tests.conftest import make_user

    problem = ProblemFactory()
    learners = [make_user(f"walker{n}@example.com").profile for n in range(5)]
    for profile in learners[:4]:
        submission_create(profile=profile, problem=problem, answer="3/4")
    first, middle, no_row, no_stats, idle = learners
    ProblemProgress.objects.filter(profile=middle).update(attempts=7)
    ProblemProgress.objects.filter(profile=no_row).delete()
    ProfileStats.objects.filter(profile=no_stats).delete()
    ProfileStats.objects.create(profile=idle, total_xp=3)

    progress = {(d.profile_id, d.what.split()[0]) for d in integrity.progress_drift()}
    assert progress == {(middle.pk, "progress"), (no_row.pk, "no")}
    assert integrity.first_solve_xp_drift() == []
    stats = {(d.profile_id, d.field) for d in stats_check_all()}
    assert stats == {(no_stats.pk, "stats row"), (idle.pk, "total_xp"), (idle.pk, "badge_id")}  # Beginner is held
    assert first.pk not in {pid for pid, _ in progress | stats}
