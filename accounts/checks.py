"""System checks for our own settings: bad values stop start-up with an id and a hint."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def learnloop_settings_check(app_configs, **kwargs):
    errors = []
    if settings.LOGIN_FAILURE_LIMIT < 3:
        errors.append(
            Error(
                "LOGIN_FAILURE_LIMIT is below 3.", hint="Learners mistype; allow at least 3 tries.", id="learnloop.E001"
            )
        )
    for name in ("LINK_CODE_TTL_HOURS", "GRADUATION_INVITE_TTL_HOURS", "LOGIN_LOCKOUT_SECONDS"):
        if getattr(settings, name) <= 0:
            errors.append(Error(f"{name} must be positive.", id="learnloop.E002"))
    q_cluster = getattr(settings, "Q_CLUSTER", {})
    if not q_cluster.get("sync") and q_cluster.get("retry", 0) <= q_cluster.get("timeout", 0):
        errors.append(
            Error(
                "Q_CLUSTER retry must exceed timeout.",
                hint="Otherwise a slow task is handed to a second worker while the first still runs.",
                id="learnloop.E003",
            )
        )
    return errors
