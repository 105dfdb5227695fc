"""Deployment, health, scheduling and admin paths that staff and operators rely on."""

import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.db.utils import OperationalError
from django_q.models import Schedule

from accounts.models import Profile, User
from learning.models import Problem
from tests.learning.factories import ModuleFactory

ROOT = Path(__file__).resolve().parents[1]


def test_production_settings_pass_check_deploy_with_no_warnings():
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "k" * 20 + "-a-long-random-production-secret-for-the-deploy-check-0123456789",
        "ALLOWED_HOSTS": "learn.example.org",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production", "ALLOWED_HOSTS": "x"}
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_healthz_reports_the_database(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok", "database": "ok"}
    with mock.patch("config.views.connection.cursor", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["database"] == "unreachable"


def test_schedules_are_registered_by_name_and_idempotently(db):
    call_command("setup_schedules", verbosity=0)
    call_command("setup_schedules", verbosity=0)
    names = list(Schedule.objects.values_list("name", flat=True))
    assert len(names) == len(set(names)) >= 2
    assert "learning: choose problems of the day" in names


def test_the_scheduled_task_chooses_problems_of_the_day(db):
    from learning.tasks import choose_problems_of_the_day
    from tests.learning.factories import ProblemFactory

    ProblemFactory()
    assert choose_problems_of_the_day() >= 2  # today somewhere on Earth, and tomorrow


def test_admin_add_user_creates_the_profile_in_the_same_transaction(admin_client):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {"email": "New@Example.com", "password1": "a-long-enough-passphrase", "password2": "a-long-enough-passphrase",
         "usable_password": "true"},
    )  # fmt: skip
    assert response.status_code == 302, response.content[:500]
    user = User.objects.get(email="new@example.com")
    assert Profile.objects.filter(user=user).count() == 1


def test_admin_refuses_an_invalid_judge_configuration_with_a_clear_message(admin_client):
    module = ModuleFactory()
    response = admin_client.post(
        "/admin/learning/problem/add/",
        {"module": module.pk, "slug": "broken", "title": "Broken", "difficulty": "beginner", "display_order": 1,
         "is_published": "on", "statement": "?", "explanation": "!", "judge_kind": "numeric",
         "judge_config": '{"tolerance": -1}', "base_points": 100, "time_bonus_points": 50,
         "time_bonus_window_seconds": 300},
    )  # fmt: skip
    assert response.status_code == 200
    assert 'id="id_judge_config_error"><li>“answer” is required.' in response.content.decode()
    assert not Problem.objects.filter(slug="broken").exists()


@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff)
    return client
