from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from learning.models import Module, Problem
from learning.services.content import ContentError, content_sync, load_content
from learning.services.submissions import submission_create

BUNDLED = Path(__file__).resolve().parents[2] / "content"

MODULE = """
[module]
slug = "demo"
title = "Demo"
order = 1

[[problems]]
slug = "demo-one"
title = "One"
difficulty = "beginner"
order = 1
statement = "What is 3/4 as a decimal?"
judge = "numeric"
explanation = "Divide."
[problems.judge_config]
answer = "3/4"
[problems.examples]
correct = ["0.75"]
incorrect = ["0.5"]
"""


def write(tmp_path, text, name="demo.toml"):
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_sync_is_idempotent(db, tmp_path):
    write(tmp_path, MODULE)
    first = content_sync(directory=tmp_path)
    assert first.counts["created"] == 1 and first.counts["module_created"] == 1
    second = content_sync(directory=tmp_path)
    assert second.counts["unchanged"] == 1 and second.counts["created"] == 0 and second.counts["updated"] == 0


def test_dry_run_writes_nothing(db, tmp_path):
    write(tmp_path, MODULE)
    report = content_sync(directory=tmp_path, dry_run=True)
    assert report.counts["created"] == 1
    assert not Problem.objects.exists() and not Module.objects.exists()


def test_an_error_names_file_problem_and_field_and_nothing_is_written(db, tmp_path):
    write(tmp_path, MODULE.replace('difficulty = "beginner"', 'difficulty = "easy-peasy"'))
    with pytest.raises(ContentError) as error:
        content_sync(directory=tmp_path)
    message = str(error.value)
    assert "demo.toml" in message and "demo-one" in message and "difficulty" in message
    assert not Problem.objects.exists()


def test_a_wrong_answer_key_is_caught_by_the_examples(db, tmp_path):
    write(tmp_path, MODULE.replace('correct = ["0.75"]', 'correct = ["0.8"]'))
    with pytest.raises(ContentError) as error:
        load_content(tmp_path)
    assert "0.8" in str(error.value)


def test_invalid_judge_config_is_refused(db, tmp_path):
    write(tmp_path, MODULE.replace('answer = "3/4"', 'answer = "three quarters"'))
    with pytest.raises(ContentError) as error:
        load_content(tmp_path)
    assert "judge_config" in str(error.value)


def test_prune_unpublishes_answered_problems_and_deletes_the_rest(db, tmp_path, learner):
    two = MODULE + MODULE.split("[[problems]]", 1)[1].replace("demo-one", "demo-two").join(["[[problems]]", ""])
    write(tmp_path, two)
    content_sync(directory=tmp_path)
    answered = Problem.objects.get(slug="demo-one")
    submission_create(profile=learner.profile, problem=answered, answer="0.75")
    write(tmp_path, MODULE.replace("demo-one", "demo-three"))
    report = content_sync(directory=tmp_path, prune=True)
    assert report.counts["unpublished"] == 1 and report.counts["deleted"] == 1
    answered.refresh_from_db()
    assert not answered.is_published
    assert not Problem.objects.filter(slug="demo-two").exists()


def test_command_reports_counts_and_fails_loudly(db, tmp_path, capsys):
    write(tmp_path, MODULE)
    call_command("sync_content", "--directory", str(tmp_path))
    assert "1 created" in capsys.readouterr().out
    write(tmp_path, "not = [valid", name="broken.toml")
    with pytest.raises(CommandError):
        call_command("sync_content", "--directory", str(tmp_path))


@pytest.fixture
def bundled(db):
    content_sync(directory=BUNDLED)
    return load_content(BUNDLED)


def test_bundled_content_meets_the_brief(bundled):
    maths = [spec for spec in bundled if all(p.fields["judge_kind"] != "free_text" for p in spec.problems)]
    written = [spec for spec in bundled if any(p.fields["judge_kind"] == "free_text" for p in spec.problems)]
    assert len(maths) >= 4 and all(len(spec.problems) >= 10 for spec in maths)
    assert written
    assert any(spec.prerequisites for spec in bundled)


def _as_submitted(problem, answer):
    if problem.judge.input_type == "multiple_choice":
        return [part.strip() for part in answer.split(",") if part.strip()]
    return answer


def test_every_bundled_answer_is_judged_as_its_author_says(bundled, learner):
    """Submits every example answer of every bundled problem through the real submit path.

    Modules go in display order and every problem gets solved, so each module's prerequisites
    are complete by the time it is reached: the walk also proves the unlock chain works.
    """
    profile = learner.profile
    checked = 0
    for spec in sorted(bundled, key=lambda s: s.fields["display_order"]):
        for problem_spec in spec.problems:
            problem = Problem.objects.select_related("module").get(slug=problem_spec.fields["slug"])
            cases = [(False, a) for a in problem_spec.examples.get("incorrect", [])]
            cases += [(True, a) for a in problem_spec.examples["correct"]]
            for expect, answer in cases:
                result = submission_create(profile=profile, problem=problem, answer=_as_submitted(problem, answer))
                assert result.submission.is_correct is expect, (problem.slug, answer, result.submission.feedback)
                checked += 1
    assert checked > 100
