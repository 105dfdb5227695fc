"""The submit responses are written out by hand for speed (SubmitResultSerializer.to_representation);
the declared fields, which the OpenAPI schema describes, must give exactly the same body."""

import json

import pytest
from rest_framework import serializers
from rest_framework.utils.encoders import JSONEncoder

from learning.api.serializers import SessionAnswerResultSerializer, SubmitResultSerializer
from learning.models import PracticeSession
from learning.services.sessions import practice_session_answer, practice_session_start
from learning.services.submissions import problem_open, submission_create

from .factories import ModuleFactory, ProblemFactory


def _as_declared(serializer, result):
    """The body DRF builds from the declared fields (Serializer's own to_representation)."""
    return serializers.Serializer.to_representation(serializer, result)


def _json(body):
    return json.loads(json.dumps(body, cls=JSONEncoder))


@pytest.fixture
def problem(db):
    return ProblemFactory(explanation="Halves are **two** quarters.")


@pytest.mark.parametrize(
    "answers",
    [
        pytest.param(["3/4"], id="first solve, never opened"),
        pytest.param(["1/2"], id="wrong answer"),
        pytest.param(["1/2", "0.75"], id="solve after a wrong answer"),
        pytest.param(["3/4", "0.75"], id="solved again"),
    ],
)
def test_submit_body_equals_what_the_declared_fields_give(learner, problem, answers):
    for answer in answers:
        result = submission_create(profile=learner.profile, problem=problem, answer=answer)
    serializer = SubmitResultSerializer(result)
    body = serializer.data
    assert _json(body) == _json(_as_declared(serializer, result))
    assert set(body) == set(serializer.fields)
    assert set(body["submission"]) == set(serializer.fields["submission"].fields)
    assert set(body["progress"]) == set(serializer.fields["progress"].fields)


def test_opened_problem_and_explanation_come_through(learner, problem):
    problem_open(profile=learner.profile, problem=problem)
    result = submission_create(profile=learner.profile, problem=problem, answer="3/4")
    body = SubmitResultSerializer(result).data
    assert body["progress"]["opened_at"] is not None and body["progress"]["completed_at"] is not None
    assert body["explanation"] == "Halves are **two** quarters."
    assert "<strong>two</strong>" in body["explanation_html"]
    assert body == _as_declared(SubmitResultSerializer(result), result)


def test_replayed_answer_body_equals_the_declared_fields(learner, problem):
    submission_create(profile=learner.profile, problem=problem, answer="1/2", idempotency_key="k-1")
    replay = submission_create(profile=learner.profile, problem=problem, answer="1/2", idempotency_key="k-1")
    assert replay.is_replay
    serializer = SubmitResultSerializer(replay)
    assert _json(serializer.data) == _json(_as_declared(serializer, replay))


def test_session_answer_body_equals_the_declared_fields(learner):
    module = ModuleFactory()
    ProblemFactory.create_batch(2, module=module)
    session = practice_session_start(profile=learner.profile, kind=PracticeSession.Kind.MODULE, size=2, module=module)
    result = practice_session_answer(profile=learner.profile, session=session, answer="3/4")
    session.refresh_from_db()
    serializer = SessionAnswerResultSerializer(result, context={"session": session})
    body = serializer.data
    assert body["submission"]["practice_session_id"] == session.pk
    assert body["session"]["id"] == session.pk
    assert _json(body) == _json(_as_declared(serializer, result))
