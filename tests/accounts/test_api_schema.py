"""The OpenAPI schema generates cleanly and documents every /api/v1/ operation; the docs page
runs under our CSP (same-origin assets, no inline script)."""

import re

import pytest
import yaml
from django.core.management import call_command
from django.urls import reverse

ERROR_REF = "#/components/schemas/ErrorEnvelope"


@pytest.fixture
def schema(db, client):
    response = client.get(reverse("api-schema"), {"format": "json"})
    assert response.status_code == 200
    return response.json()


def v1_operations(schema):
    for path, item in schema["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, operation


def test_schema_validates_without_warnings(db, tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    document = yaml.safe_load(target.read_text())
    assert document["info"]["title"] == "Learnloop API"


def test_every_v1_operation_has_a_typed_success_response(schema):
    operations = list(v1_operations(schema))
    assert len(operations) >= 17
    for path, method, operation in operations:
        success = {code: body for code, body in operation["responses"].items() if code.startswith("2")}
        assert success, f"{method.upper()} {path} documents no 2xx response"
        for code, body in success.items():
            if code == "204":
                continue
            content = body.get("content", {}).get("application/json", {})
            assert content.get("schema"), f"{method.upper()} {path} {code} has no schema"


def test_every_v1_operation_documents_the_error_envelope(schema):
    assert {"code", "message", "fields"} <= set(schema["components"]["schemas"]["Error"]["properties"])
    for path, method, operation in v1_operations(schema):
        errors = {code: body for code, body in operation["responses"].items() if code[0] in "45"}
        assert {"401", "429"} <= set(errors), f"{method.upper()} {path}"
        for code, body in errors.items():
            assert body["content"]["application/json"]["schema"]["$ref"] == ERROR_REF, f"{method.upper()} {path} {code}"


def test_specific_error_statuses_are_documented(schema):
    paths = schema["paths"]
    assert {"400", "404", "409", "410"} <= set(paths["/api/v1/link-codes/accept/"]["post"]["responses"])
    assert {"403", "404", "409"} <= set(paths["/api/v1/links/{link_id}/"]["delete"]["responses"])
    assert "400" in paths["/api/v1/me/profile/"]["patch"]["responses"]


def test_lists_are_paginated_in_the_schema(schema):
    for path in ["/api/v1/profiles/", "/api/v1/link-codes/", "/api/v1/links/"]:
        operation = schema["paths"][path]["get"]
        ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        assert ref.split("/")[-1].startswith("Paginated"), path
        assert {"page", "page_size"} <= {p["name"] for p in operation["parameters"]}, path


def test_acting_profile_header_is_documented(schema):
    parameters = schema["paths"]["/api/v1/me/"]["get"]["parameters"]
    header = next(p for p in parameters if p["name"] == "X-Profile-Id")
    assert header["in"] == "header" and header["schema"]["type"] == "integer"


def test_token_endpoint_allows_anonymous_callers(schema):
    token = schema["paths"]["/api/v1/auth/token/"]
    assert {} in token["post"]["security"], "obtaining a token needs no credentials"
    assert {} not in token["delete"]["security"]
    assert {} not in schema["paths"]["/api/v1/me/"]["get"]["security"]


def test_docs_page_uses_only_same_origin_assets_and_no_inline_script(db, client):
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()

    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html), "assets must come from our own origin"
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S | re.I)
    assert scripts, "Swagger UI should load its scripts"
    for attributes, body in scripts:
        assert "src=" in attributes and not body.strip(), f"inline script found: {body[:80]!r}"

    # The start-up script the page loads is served by the same view.
    start_up = re.search(r"""<script src="([^"]*\?script=[^"]*)""", html)
    assert start_up, html
    script = client.get(start_up.group(1).replace("&amp;", "&"))
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
