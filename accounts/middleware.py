from django.utils.functional import SimpleLazyObject

from .acting import resolve_active_profile


class ActiveProfileMiddleware:
    """Sets `request.profile`, the learner this request records work for (lazily, so pages
    that never ask cost no query)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.profile = SimpleLazyObject(lambda: resolve_active_profile(request))
        return self.get_response(request)
