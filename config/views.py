"""Site-wide endpoints that belong to no app: health, and error pages that speak JSON to the API."""

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.api.exceptions import error_body


@never_cache
@require_GET
def healthz(request):
    """200 with {"status": "ok"} when the database answers; 503 otherwise (for load balancers)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any database failure means "not healthy"
        return JsonResponse({"status": "error", "database": "unreachable", "detail": type(error).__name__}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def _wants_json(request):
    return request.path.startswith("/api/")


def handler404(request, exception=None):
    if _wants_json(request):
        return JsonResponse(error_body("not_found", "Not found."), status=404)
    return render(request, "404.html", status=404)


def handler403(request, exception=None):
    if _wants_json(request):
        return JsonResponse(error_body("permission_denied", "You do not have permission to do this."), status=403)
    return render(request, "403.html", status=403)


def handler500(request):
    if _wants_json(request):
        return JsonResponse(error_body("server_error", "Something went wrong on our side."), status=500)
    return render(request, "500.html", status=500)


def handler400(request, exception=None):
    if _wants_json(request):
        return JsonResponse(error_body("bad_request", "Bad request."), status=400)
    return render(request, "400.html", status=400)
