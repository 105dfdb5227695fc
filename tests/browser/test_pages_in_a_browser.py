"""What a person sees in a real browser under the production Content-Security-Policy."""

import pytest

from accounts import services
from learning.services.content import content_sync
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def sign_in(page, email, *, path="/accounts/login/"):
    page.goto(path)
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    # Wait for the next page to finish loading: its deferred app.js must have run before a test
    # relies on it (a change made earlier is lost, as in a slow real browser).
    with page.expect_navigation(wait_until="load"):
        page.locator("form:has(input[name=password]) [type=submit]").click()


def test_the_admin_works_under_the_csp(page):
    make_user("boss@example.com", is_staff=True, is_superuser=True)
    content_sync()
    sign_in(page, "boss@example.com", path="/admin/login/")
    page.wait_for_selector("text=Site administration")
    page.goto("/admin/learning/problem/")
    page.wait_for_selector("#result_list")
    page.click("#result_list tbody tr th a")
    page.wait_for_selector("text=Preview")
    # The admin's own scripts ran: the prepopulated slug field and collapsible fieldsets are wired.
    assert page.evaluate("typeof django !== 'undefined' && typeof django.jQuery === 'function'")
    assert page.csp_violations == []


def test_the_api_docs_render_under_the_csp(page):
    page.goto("/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=15000)
    assert page.locator(".swagger-ui .opblock").count() > 20
    assert page.csp_violations == []


def test_a_parent_switches_to_a_child_and_back(page):
    # Made here, not by the `parent`/`child` fixtures: those ask for the `db` fixture, which does
    # not mix with this module's transactional, serialized-rollback marker.
    parent = make_user("pat@example.com")
    child = services.managed_profile_create(guardian=parent, display_name="Kit")
    sign_in(page, parent.email)
    # Choosing a learner submits the picker by itself (static/js/app.js); no button press needed.
    page.select_option("select[name=profile_id]", str(child.pk))
    banner = page.locator(".acting-banner")
    banner.wait_for()
    assert f"Learning as {child.display_name}" in banner.inner_text()
    banner.locator("button").click()
    page.wait_for_load_state()
    assert page.locator(".acting-banner").count() == 0
    assert page.csp_violations == []
