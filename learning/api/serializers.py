"""Shapes of the learning API. Input serializers check shape only (rules live in services and
judges); output serializers say exactly what a client sees.

Nothing here may expose a problem's `judge_config` (reference answers, key ideas, the correct
choice) or its explanation before the learner has solved it: the judge's `public_config` is the
only view of a config that leaves the server. Names are unique because drf-spectacular turns
each serializer into a schema component.
"""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from learning.markdown import render_markdown
from learning.models import Difficulty, Goal, PracticeSession, ProgressStatus
from learning.services.sessions import MAX_SESSION_SIZE

NULLABLE_TEXT = serializers.CharField(allow_null=True)
INPUT_TYPES = ("text", "number", "single_choice", "multiple_choice", "textarea")


@extend_schema_field(
    {
        "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
        "description": "Text (or a number written as text) for most problems; a list of option keys for "
        "multiple choice (a comma-separated string is accepted too).",
    }
)
class AnswerField(serializers.JSONField):
    """Passes the answer through as sent: the judge decides what is malformed, so every bad answer
    gets one of the `answer_*` codes with `fields.answer`, whatever its JSON type."""


class NamedChoiceField(serializers.ChoiceField):
    """A ChoiceField documented as the enum component `enum_name`. Progress and sessions both
    have a `status`, sessions and goals both a `kind`; without names of their own
    drf-spectacular would call them `StatusF89Enum` and warn."""

    def __init__(self, choices, *, enum_name, **kwargs):
        self.enum_name = enum_name
        super().__init__(choices, **kwargs)


class NamedChoiceFieldExtension(OpenApiSerializerFieldExtension):
    target_class = NamedChoiceField

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        schema = {
            "type": "string",
            "enum": list(field.choices),
            "description": "\n".join(f"* `{value}` - {label}" for value, label in field.choices.items()),
        }
        component = ResolvedComponent(
            name=field.enum_name, type=ResolvedComponent.SCHEMA, object=field.enum_name, schema=schema
        )
        auto_schema.registry.register_on_missing(component)
        return component.ref


def _html(text):
    return str(render_markdown(text)) if text else ""


# References -----------------------------------------------------------------------------------
class ModuleRefSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    title = serializers.CharField()


class ProblemRefSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    title = serializers.CharField()


# Progress -------------------------------------------------------------------------------------
class ProgressCurrentSerializer(serializers.Serializer):
    """Exactly what a stale-version conflict carries in `error.current`."""

    status = NamedChoiceField(ProgressStatus.choices, enum_name="ProgressStatusEnum")
    attempts = serializers.IntegerField()
    points_earned = serializers.IntegerField()
    completed_at = serializers.DateTimeField(allow_null=True)
    version = serializers.IntegerField(help_text="Send as `expected_version` to refuse answering a stale copy.")


class ProgressStateSerializer(ProgressCurrentSerializer):
    opened_at = serializers.DateTimeField(allow_null=True, help_text="When the clock for the time bonus started.")
    first_attempt_at = serializers.DateTimeField(allow_null=True)
    time_spent_seconds = serializers.IntegerField()


class ProgressSerializer(ProgressStateSerializer):
    problem = ProblemRefSerializer()
    module = serializers.SlugField(source="problem.module.slug")


# Modules --------------------------------------------------------------------------------------
class ModuleStateSerializer(serializers.Serializer):
    """A `selectors.ModuleState`."""

    slug = serializers.SlugField(source="module.slug")
    title = serializers.CharField(source="module.title")
    description = serializers.CharField(source="module.description", help_text="Markdown.")
    description_html = serializers.SerializerMethodField(help_text="The description rendered and sanitised.")
    is_locked = serializers.SerializerMethodField()
    missing_prerequisites = serializers.ListField(
        child=serializers.CharField(), help_text="Titles of prerequisite modules not yet complete."
    )
    total = serializers.IntegerField(help_text="Published problems.")
    completed = serializers.IntegerField(help_text="Of those, how many this learner completed.")
    percent = serializers.IntegerField()
    is_complete = serializers.BooleanField()

    def get_description_html(self, state) -> str:
        return _html(state.module.description)

    def get_is_locked(self, state) -> bool:
        return not state.is_unlocked


class ProblemSummarySerializer(serializers.Serializer):
    """A problem with `.my_progress` (a ProblemProgress or None), as `selectors.problems_with_progress`
    returns them."""

    slug = serializers.SlugField()
    title = serializers.CharField()
    difficulty = serializers.ChoiceField(choices=Difficulty.choices)
    base_points = serializers.IntegerField()
    time_bonus_points = serializers.IntegerField()
    status = NamedChoiceField(
        ProgressStatus.choices,
        enum_name="ProgressStatusEnum",
        source="my_progress.status",
        default=ProgressStatus.NOT_STARTED,
        read_only=True,
    )
    attempts = serializers.IntegerField(source="my_progress.attempts", default=0, read_only=True)
    points_earned = serializers.IntegerField(source="my_progress.points_earned", default=0, read_only=True)


class ModuleDetailSerializer(ModuleStateSerializer):
    problems = serializers.SerializerMethodField()

    @extend_schema_field(ProblemSummarySerializer(many=True))
    def get_problems(self, state):
        return ProblemSummarySerializer(self.context["problems"], many=True).data


# Problems -------------------------------------------------------------------------------------
class JudgeInfoSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    version = serializers.CharField()
    input_type = serializers.ChoiceField(choices=INPUT_TYPES, help_text="Which control to show for the answer.")
    max_answer_length = serializers.IntegerField()
    config = serializers.DictField(
        help_text="The judge's public settings, safe to show before solving (e.g. the options of a choice "
        "question, the minimum number of words). Never the answer."
    )


class ProblemDetailSerializer(serializers.Serializer):
    """A Problem; the context carries `state` (its module's ModuleState) and `progress`
    (the learner's ProblemProgress or None)."""

    slug = serializers.SlugField()
    title = serializers.CharField()
    module = ModuleRefSerializer()
    difficulty = serializers.ChoiceField(choices=Difficulty.choices)
    statement = serializers.CharField(help_text="Markdown.")
    statement_html = serializers.SerializerMethodField(help_text="The statement rendered and sanitised.")
    base_points = serializers.IntegerField()
    time_bonus_points = serializers.IntegerField()
    time_bonus_window_seconds = serializers.IntegerField(
        help_text="The time bonus falls linearly to nothing over this many seconds from first opening."
    )
    hint = serializers.CharField()
    judge = serializers.SerializerMethodField()
    is_locked = serializers.SerializerMethodField()
    missing_prerequisites = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField(help_text="Null until the learner opens or answers it.")
    explanation = serializers.SerializerMethodField(help_text="Markdown; null until the learner has solved it.")
    explanation_html = serializers.SerializerMethodField(help_text="Null until the learner has solved it.")

    def get_statement_html(self, problem) -> str:
        return _html(problem.statement)

    @extend_schema_field(JudgeInfoSerializer)
    def get_judge(self, problem):
        judge = problem.judge
        return {
            "kind": judge.kind,
            "label": judge.label,
            "version": judge.version,
            "input_type": judge.input_type,
            "max_answer_length": judge.max_answer_length,
            "config": judge.public_config(problem.judge_config),
        }

    def get_is_locked(self, problem) -> bool:
        return not self.context["state"].is_unlocked

    def get_missing_prerequisites(self, problem) -> list[str]:
        return list(self.context["state"].missing_prerequisites)

    @extend_schema_field(ProgressStateSerializer(allow_null=True))
    def get_progress(self, problem):
        progress = self.context["progress"]
        return ProgressStateSerializer(progress).data if progress is not None else None

    def _is_solved(self):
        progress = self.context["progress"]
        return progress is not None and progress.status == ProgressStatus.COMPLETED

    @extend_schema_field(NULLABLE_TEXT)
    def get_explanation(self, problem) -> str | None:
        return problem.explanation if self._is_solved() else None

    @extend_schema_field(NULLABLE_TEXT)
    def get_explanation_html(self, problem) -> str | None:
        return _html(problem.explanation) if self._is_solved() else None


# Submissions ----------------------------------------------------------------------------------
class SubmissionJudgeSerializer(serializers.Serializer):
    name = serializers.CharField(source="judge_name")
    version = serializers.CharField(source="judge_version")


class SubmissionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    problem = ProblemRefSerializer()
    answer = AnswerField(help_text="The answer as the judge cleaned and stored it.")
    correct = serializers.BooleanField(source="is_correct")
    score = serializers.IntegerField(help_text="0–100; partial credit where the judge gives it.")
    feedback = serializers.CharField()
    points_awarded = serializers.IntegerField(help_text="Only a first correct answer earns points.")
    is_first_solve = serializers.BooleanField()
    seconds_taken = serializers.IntegerField()
    judge = SubmissionJudgeSerializer(source="*")
    practice_session_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()


class SubmissionListFilterSerializer(serializers.Serializer):
    problem = serializers.SlugField(required=False, help_text="Only answers to the problem with this slug.")
    correct = serializers.BooleanField(
        required=False, allow_null=True, help_text="Only correct (`true`) or only incorrect (`false`) answers."
    )


class ProblemSubmitInputSerializer(serializers.Serializer):
    answer = AnswerField(allow_null=True)
    expected_version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="The `progress.version` the client last saw; if the progress moved on since, 409 "
        "`stale_version` with the current state in `error.current`, and nothing is recorded.",
    )
    practice_session_id = serializers.IntegerField(
        required=False, min_value=1, help_text="Record the answer as part of this practice session of yours."
    )


class SessionAnswerInputSerializer(serializers.Serializer):
    answer = AnswerField(allow_null=True)


class SubmitResultSerializer(serializers.Serializer):
    """A `services.submissions.SubmissionResult`."""

    submission = SubmissionSerializer()
    progress = ProgressStateSerializer()
    is_first_solve = serializers.BooleanField()
    potd_completed = serializers.BooleanField(help_text="This answer completed today's problem of the day.")
    explanation = serializers.SerializerMethodField(help_text="Markdown; null unless the problem is now solved.")
    explanation_html = serializers.SerializerMethodField(help_text="Null unless the problem is now solved.")

    def _explanation(self, result):
        if result.progress.status != ProgressStatus.COMPLETED:
            return None
        return result.submission.problem.explanation

    @extend_schema_field(NULLABLE_TEXT)
    def get_explanation(self, result) -> str | None:
        return self._explanation(result)

    @extend_schema_field(NULLABLE_TEXT)
    def get_explanation_html(self, result) -> str | None:
        explanation = self._explanation(result)
        return None if explanation is None else _html(explanation)

    def to_representation(self, result):
        """What the declared fields above give, written out: building those nested serializers
        (five, about thirty fields, each deep-copied per response) cost the submit path more
        than its gamification logic. The fields still describe the shape in the OpenAPI schema,
        and tests/learning/test_api_submit_shape.py holds this to what they produce."""
        submission, progress = result.submission, result.progress
        return {
            "submission": {
                "id": submission.pk,
                "problem": {"slug": submission.problem.slug, "title": submission.problem.title},
                "answer": submission.answer,
                "correct": submission.is_correct,
                "score": submission.score,
                "feedback": submission.feedback,
                "points_awarded": submission.points_awarded,
                "is_first_solve": submission.is_first_solve,
                "seconds_taken": submission.seconds_taken,
                "judge": {"name": submission.judge_name, "version": submission.judge_version},
                "practice_session_id": submission.practice_session_id,
                "created_at": _DATETIME.to_representation(submission.created_at),
            },
            "progress": {
                "status": progress.status,
                "attempts": progress.attempts,
                "points_earned": progress.points_earned,
                "completed_at": _optional_datetime(progress.completed_at),
                "version": progress.version,
                "opened_at": _optional_datetime(progress.opened_at),
                "first_attempt_at": _optional_datetime(progress.first_attempt_at),
                "time_spent_seconds": progress.time_spent_seconds,
            },
            "is_first_solve": result.is_first_solve,
            "potd_completed": result.potd_completed,
            "explanation": self.get_explanation(result),
            "explanation_html": self.get_explanation_html(result),
        }


_DATETIME = serializers.DateTimeField()  # formats as the declared fields do (settings, time zone)


def _optional_datetime(value):
    return None if value is None else _DATETIME.to_representation(value)


# Practice sessions ----------------------------------------------------------------------------
class SessionItemSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    problem = ProblemRefSerializer()
    is_answered = serializers.SerializerMethodField()
    is_correct = serializers.BooleanField(allow_null=True, help_text="Null until answered.")
    points = serializers.IntegerField()
    seconds = serializers.IntegerField()

    def get_is_answered(self, item) -> bool:
        return item.submission_id is not None


class SessionSerializer(serializers.Serializer):
    """A PracticeSession with its `items` prefetched. Counts come from the items, so they are
    live while the session runs (the stored totals are written only when it ends)."""

    id = serializers.IntegerField()
    kind = NamedChoiceField(PracticeSession.Kind.choices, enum_name="SessionKindEnum")
    module = ModuleRefSerializer(allow_null=True)
    status = NamedChoiceField(PracticeSession.Status.choices, enum_name="SessionStatusEnum")
    started_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    question_count = serializers.IntegerField()
    answered_count = serializers.SerializerMethodField()
    correct_count = serializers.SerializerMethodField()
    accuracy = serializers.SerializerMethodField(help_text="Correct answers out of all questions, 0–100.")
    points = serializers.SerializerMethodField()
    seconds = serializers.SerializerMethodField()

    def get_answered_count(self, session) -> int:
        return sum(1 for item in session.items.all() if item.submission_id is not None)

    def get_correct_count(self, session) -> int:
        return sum(1 for item in session.items.all() if item.is_correct)

    def get_accuracy(self, session) -> int:
        if not session.question_count:
            return 0
        return round(100 * self.get_correct_count(session) / session.question_count)

    def get_points(self, session) -> int:
        return sum(item.points for item in session.items.all())

    def get_seconds(self, session) -> int:
        return sum(item.seconds for item in session.items.all())


class SessionDetailSerializer(SessionSerializer):
    items = SessionItemSerializer(many=True)
    current = serializers.SerializerMethodField(help_text="The question to answer next; null once the session ended.")

    @extend_schema_field(SessionItemSerializer(allow_null=True))
    def get_current(self, session):
        if session.status != PracticeSession.Status.ACTIVE:
            return None
        item = next((item for item in session.items.all() if item.submission_id is None), None)
        return SessionItemSerializer(item).data if item is not None else None


class SessionCreateInputSerializer(serializers.Serializer):
    kind = NamedChoiceField(PracticeSession.Kind.choices, enum_name="SessionKindEnum")
    size = serializers.IntegerField(default=10, min_value=1, max_value=MAX_SESSION_SIZE)
    module = serializers.SlugField(required=False, help_text="The module's slug; required for kind `module`.")


class SessionAnswerResultSerializer(SubmitResultSerializer):
    """A SubmissionResult; the context carries the `session` after this answer."""

    session = serializers.SerializerMethodField(help_text="The session after this answer.")

    @extend_schema_field(SessionDetailSerializer)
    def get_session(self, result):
        return SessionDetailSerializer(self.context["session"]).data

    def to_representation(self, result):
        return {**super().to_representation(result), "session": self.get_session(result)}


# Problem of the day ---------------------------------------------------------------------------
class ProblemOfTheDayProblemSerializer(ProblemSummarySerializer):
    module = ModuleRefSerializer()


class ProblemOfTheDaySerializer(serializers.Serializer):
    featured_on = serializers.DateField(help_text="The learner's local date.")
    problem = ProblemOfTheDayProblemSerializer()
    completed_today = serializers.BooleanField()
    recent_completions = serializers.ListField(
        child=serializers.DateField(), help_text="Dates of problems of the day solved, newest first (up to 30)."
    )


# Goals ----------------------------------------------------------------------------------------
class GoalSerializer(serializers.Serializer):
    """A `services.goals.GoalProgress`."""

    id = serializers.IntegerField(source="goal.id")
    kind = NamedChoiceField(Goal.Kind.choices, enum_name="GoalKindEnum", source="goal.kind")
    label = serializers.CharField()
    current = serializers.IntegerField()
    target = serializers.IntegerField(help_text="For a module goal: the module's number of problems.")
    percent = serializers.IntegerField()
    is_met = serializers.BooleanField()
    is_overdue = serializers.BooleanField()
    module = ModuleRefSerializer(source="goal.module", allow_null=True)
    due_on = serializers.DateField(source="goal.due_on", allow_null=True)
    created_at = serializers.DateTimeField(source="goal.created_at")


class GoalDailySetInputSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=[*Goal.DAILY_PRESETS, "custom"])
    points = serializers.IntegerField(required=False, help_text="Points a day; required for level `custom`.")


class GoalCreateInputSerializer(serializers.Serializer):
    kind = NamedChoiceField(
        [(kind.value, kind.label) for kind in (Goal.Kind.WEEKLY_PROBLEMS, Goal.Kind.MODULE_BY_DATE)],
        enum_name="GoalCreateKindEnum",
    )
    target = serializers.IntegerField(required=False, help_text="Problems a week; for `weekly_problems`.")
    module = serializers.SlugField(required=False, help_text="The module's slug; for `module_by_date`.")
    due_on = serializers.DateField(required=False, help_text="For `module_by_date`; today or later.")
