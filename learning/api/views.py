"""The learning JSON API under /api/v1/: modules, problems, answers, progress, practice sessions,
the problem of the day and goals.

Every endpoint works for the *active* profile (`accounts.api.profile.active_profile_for`: the
`X-Profile-Id` header checked for ACT permission, else the browser session's learner, else the
user's own profile), so a parent's app records a managed child's work with the parent's token.
Views are thin: parse with an input serializer, call a service or selector, render with an output
serializer. Services raise DomainErrors that `accounts.api.exceptions` renders as the one error
envelope; "not yours" is always answered like "does not exist" (404).
"""

from django.db.models import Prefetch, prefetch_related_objects
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response

from accounts.api.base import NO_CONTENT, ActingProfileApi, PaginatedListMixin, validated
from accounts.api.exceptions import error_responses
from accounts.api.profile import active_profile_for
from accounts.api.serializers import ErrorEnvelopeSerializer
from accounts.errors import InvalidInput, NotFound
from learning import selectors
from learning.models import (
    Module,
    PracticeSession,
    PracticeSessionItem,
    ProblemOfTheDayCompletion,
    ProblemProgress,
    Submission,
)
from learning.services import goals as goal_services
from learning.services import potd as potd_services
from learning.services import sessions as session_services
from learning.services import submissions as submission_services

from . import serializers as s

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
RECENT_POTD_COMPLETIONS = 30

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=IDEMPOTENCY_HEADER,
    type=str,
    location=OpenApiParameter.HEADER,
    required=False,
    description="A unique key per answer (1–80 printable characters), e.g. a UUID. Retrying with the same key "
    "and answer returns the first outcome (200, `Idempotent-Replayed: true`) and records nothing new; the same "
    "key with a different answer is refused with 422 `idempotency_key_reused`.",
)
REPLAYED_RESPONSE_HEADER = OpenApiParameter(
    name=REPLAYED_HEADER,
    type=str,
    location=OpenApiParameter.HEADER,
    response=[200],
    description="`true` when this response repeats the outcome of an earlier request with the same Idempotency-Key.",
)
KEY_REUSED = {
    422: OpenApiResponse(
        ErrorEnvelopeSerializer,
        description="`idempotency_key_reused`: the Idempotency-Key was already used for a different answer.",
    )
}
ANSWER_ERRORS = (
    "400: a malformed answer (`answer_empty`, `answer_too_long`, `answer_wrong_type`, `answer_malformed`, "
    "each with `fields.answer`) or an invalid Idempotency-Key (`invalid_idempotency_key`); nothing is recorded."
)


STALE_VERSION_CONFLICT = OpenApiResponse(
    ErrorEnvelopeSerializer,
    description="Conflicts with the current state. With code `stale_version`, `error.current` holds the progress "
    "as it is now (`status`, `attempts`, `points_earned`, `completed_at`, `version`).",
    examples=[
        OpenApiExample(
            "Stale version",
            status_codes=[409],
            value={
                "error": {
                    "code": "stale_version",
                    "message": "Your copy of this progress is out of date; here is the current state.",
                    "fields": {},
                    "current": {
                        "status": "in_progress",
                        "attempts": 2,
                        "points_earned": 0,
                        "completed_at": None,
                        "version": 3,
                    },
                }
            },
        )
    ],
)
SESSION_IN_PROGRESS_CONFLICT = OpenApiResponse(
    ErrorEnvelopeSerializer,
    description="With code `session_in_progress`, `error.session_id` is the session to finish or end first.",
    examples=[
        OpenApiExample(
            "Session in progress",
            status_codes=[409],
            value={
                "error": {
                    "code": "session_in_progress",
                    "message": "Finish or end your current session first.",
                    "fields": {},
                    "session_id": 42,
                }
            },
        )
    ],
)


def _published_module(slug, *, field="module"):
    """The published module `slug` named in a request body; a 400 on `field` otherwise."""
    module = Module.objects.filter(slug=slug, is_published=True).first()
    if module is None:
        raise InvalidInput(f"There is no module “{slug}”.", code="unknown_module", fields={field: ["No such module."]})
    return module


def _submit_response(result, serializer_class=s.SubmitResultSerializer, context=None):
    """201 for a new answer; 200 with `Idempotent-Replayed: true` for a replayed one."""
    body = serializer_class(result, context=context or {}).data
    if result.is_replay:
        return Response(body, status=status.HTTP_200_OK, headers={REPLAYED_HEADER: "true"})
    return Response(body, status=status.HTTP_201_CREATED)


def _session_with_items(session):
    items = PracticeSessionItem.objects.select_related("problem").order_by("position")
    prefetch_related_objects([session], Prefetch("items", queryset=items))
    return session


@extend_schema(tags=["learning"])
class LearningApi(ActingProfileApi):
    """Base for this module's views: one tag in the API docs, and the `X-Profile-Id` header on
    every operation (each acts for the active profile)."""


# Modules --------------------------------------------------------------------------------------
class ModuleListApi(PaginatedListMixin, LearningApi):
    @extend_schema(
        operation_id="module_list",
        summary="Published modules with the learner's lock state and progress",
        description="In display order. A module is locked until every prerequisite module is complete.",
        responses={200: s.ModuleStateSerializer(many=True), **error_responses(403, 404)},
    )
    def get(self, request):
        profile = active_profile_for(request)
        return self.paginated(selectors.module_states_for(profile), s.ModuleStateSerializer)


class ModuleDetailApi(LearningApi):
    @extend_schema(
        operation_id="module_retrieve",
        summary="One module with its problems and the learner's progress on each",
        responses={200: s.ModuleDetailSerializer, **error_responses(403, 404)},
    )
    def get(self, request, slug):
        profile = active_profile_for(request)
        state = next((state for state in selectors.module_states_for(profile) if state.module.slug == slug), None)
        if state is None:
            raise NotFound(f"There is no module “{slug}”.", code="unknown_module")
        problems = selectors.problems_with_progress(module=state.module, profile=profile)
        return Response(s.ModuleDetailSerializer(state, context={"problems": problems}).data)


# Problems -------------------------------------------------------------------------------------
class ProblemDetailApi(LearningApi):
    @extend_schema(
        operation_id="problem_retrieve",
        summary="A problem's statement, judge and the learner's progress",
        description="`judge.config` holds only what is safe to show before solving. `explanation` is null until "
        "the learner has solved the problem. A problem in a locked module is shown with `is_locked: true`, but "
        "cannot be started or answered (403 `module_locked`).",
        responses={200: s.ProblemDetailSerializer, **error_responses(403, 404)},
    )
    def get(self, request, slug):
        profile = active_profile_for(request)
        problem = submission_services.problem_get_for_slug(slug)
        (state,) = selectors.module_states_for(profile, module_ids={problem.module_id})
        progress = ProblemProgress.objects.filter(profile=profile, problem=problem).first()
        return Response(s.ProblemDetailSerializer(problem, context={"state": state, "progress": progress}).data)


class ProblemStartApi(LearningApi):
    @extend_schema(
        operation_id="problem_start",
        summary="Open a problem, starting the clock for its time bonus",
        description="Only the first opening starts the clock; opening again changes nothing. 403 `module_locked` "
        "while the module's prerequisites are incomplete.",
        request=None,
        responses={200: s.ProgressStateSerializer, **error_responses(403, 404)},
    )
    def post(self, request, slug):
        profile = active_profile_for(request)
        problem = submission_services.problem_get_for_slug(slug)
        progress = submission_services.problem_open(profile=profile, problem=problem)
        return Response(s.ProgressStateSerializer(progress).data)


class ProblemSubmitApi(LearningApi):
    @extend_schema(
        operation_id="problem_submit",
        summary="Answer a problem",
        description="Judges the answer and records it. The first correct answer earns the base points plus a time "
        "bonus, once; later answers are kept with 0 points. The explanation is included once the problem is "
        f"solved. Errors: {ANSWER_ERRORS} 403 `module_locked`; 404 for an unknown problem or a practice session "
        "that is not yours; 409 `stale_version` (with `error.current`), `session_ended`, `already_answered`; "
        "422 `idempotency_key_reused`.",
        parameters=[IDEMPOTENCY_KEY_PARAMETER, REPLAYED_RESPONSE_HEADER],
        request=s.ProblemSubmitInputSerializer,
        responses={
            201: s.SubmitResultSerializer,
            200: OpenApiResponse(s.SubmitResultSerializer, description="A replay of an earlier request's outcome."),
            **error_responses(400, 403, 404, conflict=STALE_VERSION_CONFLICT),
            **KEY_REUSED,
        },
    )
    def post(self, request, slug):
        profile = active_profile_for(request)
        problem = submission_services.problem_get_for_slug(slug)
        data = validated(s.ProblemSubmitInputSerializer, request.data)
        session = None
        if data.get("practice_session_id") is not None:
            session = session_services.practice_session_get(profile=profile, session_id=data["practice_session_id"])
        result = submission_services.submission_create(
            profile=profile,
            problem=problem,
            answer=data["answer"],
            idempotency_key=request.headers.get(IDEMPOTENCY_HEADER),
            expected_version=data.get("expected_version"),
            practice_session=session,
        )
        return _submit_response(result)


# Submissions and progress ---------------------------------------------------------------------
class SubmissionListApi(PaginatedListMixin, LearningApi):
    @extend_schema(
        operation_id="submission_list",
        summary="The learner's answers, newest first",
        parameters=[s.SubmissionListFilterSerializer],
        responses={200: s.SubmissionSerializer(many=True), **error_responses(400, 403, 404)},
    )
    def get(self, request):
        profile = active_profile_for(request)
        filters = validated(s.SubmissionListFilterSerializer, request.query_params)
        submissions = Submission.objects.filter(profile=profile).select_related("problem")
        if filters.get("problem"):
            submissions = submissions.filter(problem__slug=filters["problem"])
        if filters.get("correct") is not None:
            submissions = submissions.filter(is_correct=filters["correct"])
        return self.paginated(submissions.order_by("-created_at", "-pk"), s.SubmissionSerializer)


class SubmissionDetailApi(LearningApi):
    @extend_schema(
        operation_id="submission_retrieve",
        summary="One of the learner's answers",
        responses={200: s.SubmissionSerializer, **error_responses(403, 404)},
    )
    def get(self, request, submission_id):
        profile = active_profile_for(request)
        submission = Submission.objects.select_related("problem").filter(pk=submission_id, profile=profile).first()
        if submission is None:
            raise NotFound("No such submission.")
        return Response(s.SubmissionSerializer(submission).data)


class ProgressListApi(PaginatedListMixin, LearningApi):
    @extend_schema(
        operation_id="progress_list",
        summary="The learner's progress on every problem they opened or answered",
        description="Most recently changed first.",
        responses={200: s.ProgressSerializer(many=True), **error_responses(403, 404)},
    )
    def get(self, request):
        profile = active_profile_for(request)
        return self.paginated(
            ProblemProgress.objects.filter(profile=profile)
            .select_related("problem__module")
            .order_by("-updated_at", "-pk"),
            s.ProgressSerializer,
        )


# Practice sessions ----------------------------------------------------------------------------
class SessionListCreateApi(PaginatedListMixin, LearningApi):
    @extend_schema(
        operation_id="session_list",
        summary="The learner's practice sessions, newest first",
        responses={200: s.SessionSerializer(many=True), **error_responses(403, 404)},
    )
    def get(self, request):
        profile = active_profile_for(request)
        session_services.practice_session_expire_stale(profile=profile)
        return self.paginated(
            PracticeSession.objects.filter(profile=profile)
            .select_related("module")
            .prefetch_related(
                Prefetch(
                    "items",
                    queryset=PracticeSessionItem.objects.only(
                        "pk", "session_id", "submission_id", "is_correct", "points", "seconds"
                    ),
                )
            )
            .order_by("-started_at", "-pk"),
            s.SessionSerializer,
        )

    @extend_schema(
        operation_id="session_create",
        summary="Start a practice session",
        description="`module` practises one unlocked module, `mixed` every unlocked module, `review` problems "
        "answered wrongly before; unsolved problems come first. 409 `session_in_progress` (with "
        "`error.session_id`) while another session runs; 400 `nothing_to_practise`, `module_locked`, "
        "`unknown_module`.",
        request=s.SessionCreateInputSerializer,
        responses={
            201: s.SessionDetailSerializer,
            **error_responses(400, 403, 404, conflict=SESSION_IN_PROGRESS_CONFLICT),
        },
    )
    def post(self, request):
        profile = active_profile_for(request)
        data = validated(s.SessionCreateInputSerializer, request.data)
        module = _published_module(data["module"]) if data.get("module") else None
        session = session_services.practice_session_start(
            profile=profile, kind=data["kind"], size=data["size"], module=module
        )
        return Response(s.SessionDetailSerializer(_session_with_items(session)).data, status=status.HTTP_201_CREATED)


class SessionDetailApi(LearningApi):
    @extend_schema(
        operation_id="session_retrieve",
        summary="A practice session with its questions and the one to answer next",
        description="A session whose time ran out is shown as `expired`.",
        responses={200: s.SessionDetailSerializer, **error_responses(403, 404)},
    )
    def get(self, request, session_id):
        profile = active_profile_for(request)
        session = session_services.practice_session_get(profile=profile, session_id=session_id)
        return Response(s.SessionDetailSerializer(_session_with_items(session)).data)


class SessionAnswerApi(LearningApi):
    @extend_schema(
        operation_id="session_answer",
        summary="Answer the session's current question",
        description="Scored like any answer to the problem; answering the last question ends the session. "
        f"Errors: {ANSWER_ERRORS} 409 `session_ended`; 422 `idempotency_key_reused`.",
        parameters=[IDEMPOTENCY_KEY_PARAMETER, REPLAYED_RESPONSE_HEADER],
        request=s.SessionAnswerInputSerializer,
        responses={
            201: s.SessionAnswerResultSerializer,
            200: OpenApiResponse(
                s.SessionAnswerResultSerializer, description="A replay of an earlier request's outcome."
            ),
            **error_responses(400, 403, 404, 409),
            **KEY_REUSED,
        },
    )
    def post(self, request, session_id):
        profile = active_profile_for(request)
        session = session_services.practice_session_get(profile=profile, session_id=session_id)
        data = validated(s.SessionAnswerInputSerializer, request.data)
        result = session_services.practice_session_answer(
            profile=profile,
            session=session,
            answer=data["answer"],
            idempotency_key=request.headers.get(IDEMPOTENCY_HEADER),
        )
        session.refresh_from_db()
        return _submit_response(
            result, s.SessionAnswerResultSerializer, context={"session": _session_with_items(session)}
        )


class SessionEndApi(LearningApi):
    @extend_schema(
        operation_id="session_end",
        summary="End a practice session now and get its summary",
        description="Unanswered questions count as not correct. Ending an ended session returns its summary.",
        request=None,
        responses={200: s.SessionDetailSerializer, **error_responses(403, 404)},
    )
    def post(self, request, session_id):
        profile = active_profile_for(request)
        session = session_services.practice_session_get(profile=profile, session_id=session_id)
        session = session_services.practice_session_end(profile=profile, session=session)
        return Response(s.SessionDetailSerializer(_session_with_items(session)).data)


# Problem of the day ---------------------------------------------------------------------------
class ProblemOfTheDayDetailApi(LearningApi):
    @extend_schema(
        operation_id="problem_of_the_day_retrieve",
        summary="Today's problem of the day (the learner's local date)",
        description="404 `no_problem_of_the_day` while there is no published problem to feature.",
        responses={200: s.ProblemOfTheDaySerializer, **error_responses(403, 404)},
    )
    def get(self, request):
        profile = active_profile_for(request)
        potd = potd_services.potd_for_profile(profile)
        if potd is None:
            raise NotFound("There is no problem of the day yet.", code="no_problem_of_the_day")
        problem = potd.problem
        problem.my_progress = ProblemProgress.objects.filter(profile=profile, problem=problem).first()
        recent = list(
            ProblemOfTheDayCompletion.objects.filter(profile=profile)
            .order_by("-problem_of_the_day__featured_on")
            .values_list("problem_of_the_day__featured_on", flat=True)[:RECENT_POTD_COMPLETIONS]
        )
        data = {
            "featured_on": potd.featured_on,
            "problem": problem,
            "completed_today": potd.featured_on in recent,
            "recent_completions": recent,
        }
        return Response(s.ProblemOfTheDaySerializer(data).data)


# Goals ----------------------------------------------------------------------------------------
def _goal_progress(profile, goal):
    return next(progress for progress in goal_services.goals_progress_for(profile) if progress.goal.pk == goal.pk)


class GoalListCreateApi(PaginatedListMixin, LearningApi):
    @extend_schema(
        operation_id="goal_list",
        summary="The learner's active goals with their progress",
        description="Progress is computed from the learner's answers on their local days and weeks.",
        responses={200: s.GoalSerializer(many=True), **error_responses(403, 404)},
    )
    def get(self, request):
        profile = active_profile_for(request)
        return self.paginated(goal_services.goals_progress_for(profile), s.GoalSerializer)

    @extend_schema(
        operation_id="goal_create",
        summary="Set a weekly-problems goal or a finish-a-module-by-a-date goal",
        description="For the daily points goal use `PUT /goals/daily/`.",
        request=s.GoalCreateInputSerializer,
        responses={201: s.GoalSerializer, **error_responses(400, 403, 404)},
    )
    def post(self, request):
        profile = active_profile_for(request)
        data = validated(s.GoalCreateInputSerializer, request.data)
        module = _published_module(data["module"]) if data.get("module") else None
        goal = goal_services.goal_create(
            profile=profile, kind=data["kind"], target=data.get("target"), module=module, due_on=data.get("due_on")
        )
        return Response(s.GoalSerializer(_goal_progress(profile, goal)).data, status=status.HTTP_201_CREATED)


class GoalDailySetApi(LearningApi):
    @extend_schema(
        operation_id="goal_daily_set",
        summary="Choose the daily points goal",
        description="A preset level (casual 100, regular 250, serious 500 points) or `custom` with `points` "
        "(10–10000). Replaces the current daily goal.",
        request=s.GoalDailySetInputSerializer,
        responses={200: s.GoalSerializer, **error_responses(400, 403, 404)},
    )
    def put(self, request):
        profile = active_profile_for(request)
        data = validated(s.GoalDailySetInputSerializer, request.data)
        goal = goal_services.daily_goal_set(profile=profile, level=data["level"], points=data.get("points"))
        return Response(s.GoalSerializer(_goal_progress(profile, goal)).data)


class GoalDeleteApi(LearningApi):
    @extend_schema(
        operation_id="goal_delete",
        summary="Drop a goal",
        description="The goal is archived; answers that counted towards it are untouched.",
        request=None,
        responses={**NO_CONTENT, **error_responses(403, 404)},
    )
    def delete(self, request, goal_id):
        profile = active_profile_for(request)
        goal_services.goal_archive(profile=profile, goal_id=goal_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
