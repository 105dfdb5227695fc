"""The content registry: modules and problems live as TOML files under `content/` (reviewed like
code) and are upserted into the database by slug.

`content_sync` validates every file before writing anything; an error names the file, the
problem and the field. It is idempotent: a second run reports everything unchanged.
"""

import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.text import slugify

from .. import judges
from ..models import Difficulty, Module, Problem
from ..selectors import problems_forget

MODULE_KEYS = {"slug", "title", "description", "order", "prerequisites", "published"}
MODULE_REQUIRED = {"slug", "title", "order"}
PROBLEM_KEYS = {
    "slug",
    "title",
    "difficulty",
    "order",
    "statement",
    "judge",
    "judge_config",
    "hint",
    "explanation",
    "base_points",
    "time_bonus_points",
    "time_bonus_window_seconds",
    "published",
    "examples",
}
# Paths under /learn/ that are not modules (see learning/urls.py).
RESERVED_MODULE_SLUGS = {"history", "learners", "today", "practice", "goals"}
PROBLEM_REQUIRED = {"slug", "title", "difficulty", "order", "statement", "judge", "judge_config", "explanation"}


class ContentError(Exception):
    """One or more problems in the content files; `errors` lists each as a full sentence."""

    def __init__(self, errors):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class ProblemSpec:
    fields: dict
    examples: dict


@dataclass
class ModuleSpec:
    path: Path
    fields: dict
    prerequisites: list
    problems: list = field(default_factory=list)


@dataclass
class SyncReport:
    counts: Counter = field(default_factory=Counter)
    lines: list = field(default_factory=list)

    def summary(self):
        c = self.counts
        return (
            f"modules: {c['module_created']} created, {c['module_updated']} updated, "
            f"{c['module_unchanged']} unchanged, {c['module_unpublished']} unpublished, "
            f"{c['module_deleted']} deleted · problems: {c['created']} created, {c['updated']} updated, "
            f"{c['unchanged']} unchanged, {c['unpublished']} unpublished, {c['deleted']} deleted"
        )


def content_dir():
    return Path(getattr(settings, "CONTENT_DIR", settings.BASE_DIR / "content"))


def _is_slug(value):
    return isinstance(value, str) and value and slugify(value) == value


def _check_int(errors, where, data, key, *, minimum, default):
    value = data.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        errors.append(f"{where}: field “{key}” must be a whole number ≥ {minimum} (got {value!r}).")
        return default
    return value


def _parse_problem(errors, where, raw, module_slug):
    unknown = set(raw) - PROBLEM_KEYS
    if unknown:
        errors.append(f"{where}: unknown field(s) {', '.join(sorted(unknown))}.")
    for key in sorted(PROBLEM_REQUIRED - set(raw)):
        errors.append(f"{where}: field “{key}” is required.")
    if PROBLEM_REQUIRED - set(raw):
        return None
    if not _is_slug(raw["slug"]):
        errors.append(f"{where}: field “slug” must be lowercase letters, digits and hyphens.")
    if raw["difficulty"] not in Difficulty.values:
        errors.append(f"{where}: field “difficulty” must be one of {', '.join(Difficulty.values)}.")
    for key in ("title", "statement", "explanation"):
        if not isinstance(raw[key], str) or not raw[key].strip():
            errors.append(f"{where}: field “{key}” must be non-empty text.")
    config = raw["judge_config"]
    try:
        judge = judges.get_judge(raw["judge"])
        config = judge.validate_config(config if isinstance(config, dict) else {})
    except judges.UnknownJudge:
        known = ", ".join(kind for kind, _label in judges.choices())
        errors.append(f"{where}: field “judge”: unknown judge “{raw['judge']}” (known: {known}).")
        judge = None
    except judges.JudgeConfigError as error:
        detail = f".{error.field}" if getattr(error, "field", None) else ""
        errors.append(f"{where}: field “judge_config{detail}”: {error}")
        judge = None
    examples = raw.get("examples") or {}
    if judge is not None:
        _check_examples(errors, where, judge, config, examples)
    return ProblemSpec(
        fields={
            "slug": raw["slug"],
            "title": raw["title"].strip(),
            "statement": raw["statement"].strip(),
            "difficulty": raw["difficulty"],
            "judge_kind": raw["judge"],
            "judge_config": config,
            "hint": (raw.get("hint") or "").strip(),
            "explanation": raw["explanation"].strip(),
            "base_points": _check_int(errors, where, raw, "base_points", minimum=0, default=100),
            "time_bonus_points": _check_int(errors, where, raw, "time_bonus_points", minimum=0, default=50),
            "time_bonus_window_seconds": _check_int(
                errors, where, raw, "time_bonus_window_seconds", minimum=1, default=300
            ),
            "display_order": _check_int(errors, where, raw, "order", minimum=0, default=0),
            "is_published": bool(raw.get("published", True)),
        },
        examples=examples,
    )


def _check_examples(errors, where, judge, config, examples):
    """Every problem ships answers that must be accepted and answers that must be refused, so
    a wrong answer key can never reach learners."""
    correct, incorrect = examples.get("correct") or [], examples.get("incorrect") or []
    if not correct:
        errors.append(f"{where}: field “examples.correct” needs at least one answer the judge accepts.")
    for expect, answers in ((True, correct), (False, incorrect)):
        for answer in answers:
            value = _example_value(judge, answer)
            try:
                verdict = judge.grade(config, judge.clean_answer(config, value))
            except judges.AnswerError as error:
                errors.append(f"{where}: example answer {answer!r} is malformed: {error}")
                continue
            if verdict.correct is not expect:
                errors.append(
                    f"{where}: example answer {answer!r} should be judged {'correct' if expect else 'incorrect'} "
                    f"but was judged {'correct' if verdict.correct else 'incorrect'} (score {verdict.score})."
                )


def _example_value(judge, answer):
    if judge.input_type == "multiple_choice" and isinstance(answer, str):
        return [part.strip() for part in answer.split(",") if part.strip()]
    return answer


def load_content(directory=None):
    """Parse and validate every `*.toml` file; return ModuleSpecs or raise ContentError."""
    directory = Path(directory or content_dir())
    errors, specs = [], []
    paths = sorted(directory.glob("*.toml"))
    if not paths:
        raise ContentError([f"{directory}: no content files (*.toml) found."])
    for path in paths:
        name = path.name
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            errors.append(f"{name}: not valid TOML: {error}")
            continue
        module = data.get("module")
        if not isinstance(module, dict):
            errors.append(f"{name}: a [module] table is required.")
            continue
        unknown = set(module) - MODULE_KEYS
        if unknown:
            errors.append(f"{name}: module: unknown field(s) {', '.join(sorted(unknown))}.")
        for key in sorted(MODULE_REQUIRED - set(module)):
            errors.append(f"{name}: module: field “{key}” is required.")
        if MODULE_REQUIRED - set(module):
            continue
        if not _is_slug(module["slug"]):
            errors.append(f"{name}: module: field “slug” must be lowercase letters, digits and hyphens.")
        elif module["slug"] in RESERVED_MODULE_SLUGS:
            errors.append(f"{name}: module: field “slug”: “{module['slug']}” is reserved for a page of the site.")
        spec = ModuleSpec(
            path=path,
            fields={
                "slug": module["slug"],
                "title": str(module["title"]).strip(),
                "description": str(module.get("description", "")).strip(),
                "display_order": _check_int(errors, f"{name}: module", module, "order", minimum=0, default=0),
                "is_published": bool(module.get("published", True)),
            },
            prerequisites=list(module.get("prerequisites") or []),
        )
        for index, raw in enumerate(data.get("problems") or [], start=1):
            where = f"{name}: problem “{raw.get('slug', f'#{index}')}”"
            parsed = _parse_problem(errors, where, raw, spec.fields["slug"])
            if parsed is not None:
                spec.problems.append(parsed)
        specs.append(spec)
    _check_cross_file(errors, specs)
    if errors:
        raise ContentError(errors)
    return specs


def _check_cross_file(errors, specs):
    module_slugs = Counter(spec.fields["slug"] for spec in specs)
    for slug, count in module_slugs.items():
        if count > 1:
            errors.append(f"module slug “{slug}” is used by {count} files.")
    problem_slugs = Counter(p.fields["slug"] for spec in specs for p in spec.problems)
    for slug, count in problem_slugs.items():
        if count > 1:
            errors.append(f"problem slug “{slug}” is used {count} times.")
    for spec in specs:
        for prerequisite in spec.prerequisites:
            if prerequisite not in module_slugs:
                errors.append(f"{spec.path.name}: module: prerequisite “{prerequisite}” is not a module.")
            if prerequisite == spec.fields["slug"]:
                errors.append(f"{spec.path.name}: module: a module cannot be its own prerequisite.")
    graph = {spec.fields["slug"]: set(spec.prerequisites) for spec in specs}
    visiting, done = set(), set()

    def visit(slug, trail):
        if slug in done or slug not in graph:
            return
        if slug in visiting:
            errors.append(f"prerequisites form a cycle: {' → '.join([*trail, slug])}.")
            return
        visiting.add(slug)
        for prerequisite in sorted(graph[slug]):
            visit(prerequisite, [*trail, slug])
        visiting.discard(slug)
        done.add(slug)

    for slug in sorted(graph):
        visit(slug, [])


def _upsert(model, lookup, values, report, prefix=""):
    values = {key: value for key, value in values.items() if key not in lookup}
    instance = model.objects.filter(**lookup).first()
    if instance is None:
        instance = model(**lookup, **values)
        instance.full_clean()
        instance.save()
        report.counts[f"{prefix}created"] += 1
        return instance
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    if not changed:
        report.counts[f"{prefix}unchanged"] += 1
        return instance
    if "is_published" in changed and not values["is_published"]:
        report.counts[f"{prefix}unpublished"] += 1
    else:
        report.counts[f"{prefix}updated"] += 1
    for name in changed:
        setattr(instance, name, values[name])
    instance.full_clean()
    instance.save(update_fields=[*changed, "updated_at"])
    return instance


def content_sync(*, directory=None, dry_run=False, prune=False, progress=None):
    """Upsert every module and problem from the content files; return a SyncReport.

    With `prune`, problems and modules missing from the files are deleted, except those
    learners have answered, which are unpublished instead (their history stays). With
    `dry_run`, everything is computed inside a transaction that is rolled back.
    """
    specs = load_content(directory)
    report = SyncReport()
    with transaction.atomic():
        modules = {}
        for spec in specs:
            module = _upsert(Module, {"slug": spec.fields["slug"]}, spec.fields, report, prefix="module_")
            modules[module.slug] = module
            for problem_spec in spec.problems:
                _upsert(
                    Problem,
                    {"slug": problem_spec.fields["slug"]},
                    {**problem_spec.fields, "module_id": module.pk},
                    report,
                )
            if progress:
                progress(f"{spec.path.name}: {len(spec.problems)} problems")
        for spec in specs:
            module = modules[spec.fields["slug"]]
            wanted = {modules[slug].pk for slug in spec.prerequisites}
            if set(module.prerequisites.values_list("pk", flat=True)) != wanted:
                module.prerequisites.set(wanted)
        if prune:
            _prune(specs, report)
        if dry_run:
            transaction.set_rollback(True)
        else:
            transaction.on_commit(problems_forget)
    return report


def _prune(specs, report):
    known_problems = {p.fields["slug"] for spec in specs for p in spec.problems}
    for problem in Problem.objects.exclude(slug__in=known_problems):
        try:
            # Submissions, featured days and session items protect a problem: learners' history
            # must keep pointing at it, so it is hidden rather than deleted.
            with transaction.atomic():
                problem.delete()
            report.counts["deleted"] += 1
        except ProtectedError:
            if problem.is_published:
                Problem.objects.filter(pk=problem.pk).update(is_published=False)
                report.counts["unpublished"] += 1
    known_modules = {spec.fields["slug"] for spec in specs}
    for module in Module.objects.exclude(slug__in=known_modules):
        if module.problems.exists():
            if module.is_published:
                Module.objects.filter(pk=module.pk).update(is_published=False)
                report.counts["module_unpublished"] += 1
        else:
            module.delete()
            report.counts["module_deleted"] += 1
