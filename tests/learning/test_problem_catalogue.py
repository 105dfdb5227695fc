"""The per-process catalogue of published problems behind the API's problem endpoints
(learning.selectors.problem_get_published_cached): content changes made in this process show at
once, and the catalogue costs one query per period, not one per answer."""

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory
from django.urls import reverse

from learning.admin import publish, unpublish
from learning.models import Problem
from learning.selectors import problem_get_published_cached

from .factories import ModuleFactory, ProblemFactory


def submit_url(slug):
    return reverse("learning_api:problem-submit", kwargs={"slug": slug})


@pytest.fixture
def client(api_client, learner):
    api_client.force_authenticate(learner)
    return api_client


@pytest.fixture
def module(db):
    return ModuleFactory()


def _admin_request(staff):
    request = RequestFactory().post("/admin/")
    request.user = staff
    request._messages = type("Messages", (), {"add": lambda *args, **kwargs: None})()
    return request


def test_answers_reach_the_problem_without_reading_it_again(client, module, django_assert_max_num_queries):
    problems = ProblemFactory.create_batch(3, module=module)
    assert client.post(submit_url(problems[0].slug), {"answer": "3/4"}).status_code == 201
    for problem in problems[1:]:  # in the catalogue loaded by the first answer
        assert problem_get_published_cached(problem.slug).pk == problem.pk
    with django_assert_max_num_queries(0):
        problem_get_published_cached(problems[2].slug)


def test_unpublishing_in_the_admin_takes_effect_at_once(client, module, staff):
    problem = ProblemFactory(module=module)
    assert client.post(submit_url(problem.slug), {"answer": "3/4"}).status_code == 201
    unpublish(None, _admin_request(staff), Problem.objects.filter(pk=problem.pk))
    response = client.post(submit_url(problem.slug), {"answer": "3/4"})
    assert response.status_code == 404 and response.json()["error"]["code"] == "unknown_problem"
    publish(None, _admin_request(staff), Problem.objects.filter(pk=problem.pk))
    assert client.post(submit_url(problem.slug), {"answer": "1/2"}).status_code == 201


def test_a_problem_added_after_the_catalogue_was_loaded_is_found(client, module):
    first = ProblemFactory(module=module)
    assert problem_get_published_cached(first.slug) is not None
    later = Problem.objects.bulk_create([ProblemFactory.build(module=module, slug="added-later")])[0]  # no signal
    assert problem_get_published_cached("added-later").pk == later.pk
    assert problem_get_published_cached("no-such-problem") is None


def test_each_caller_gets_its_own_copy(module):
    problem = ProblemFactory(module=module)
    mine = problem_get_published_cached(problem.slug)
    mine.title = "Changed by one request"
    assert problem_get_published_cached(problem.slug).title == problem.title


def test_the_problem_admin_offers_these_actions(db):
    assert Problem in site._registry  # the actions above are the ones the problem admin offers
    assert publish in site._registry[Problem].actions and unpublish in site._registry[Problem].actions
