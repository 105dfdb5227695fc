"""A guardian's download of everything recorded against a profile.

Apps above `accounts` (learning, gamification, sharing) register an exporter for their own
rows from their `AppConfig.ready()`, so this module never imports them and the export grows
with every app that records learner data.
"""

from django.utils import timezone

from . import permissions
from .services import profile_access_list

_EXPORTERS = {}


def register_profile_exporter(section, exporter):
    """`exporter(profile) -> JSON-serialisable value`, shown under `section` in the export."""
    _EXPORTERS[section] = exporter


def profile_export(*, actor, profile):
    """Return a JSON-serialisable dict of the profile and all data recorded against it."""
    permissions.require(actor, profile, permissions.MANAGE)
    data = {
        "exported_at": timezone.now().isoformat(),
        "profile": {
            "id": profile.pk,
            "display_name": profile.display_name,
            "time_zone": profile.time_zone,
            "avatar_emoji": profile.avatar_emoji,
            "avatar_colour": profile.avatar_colour,
            "has_own_login": not profile.is_managed,
            "created_at": profile.created_at.isoformat(),
            "updated_at": profile.updated_at.isoformat(),
        },
        "access": [
            {"email": entry.user.email, "kind": entry.kind, "since": entry.since.isoformat()}
            for entry in profile_access_list(profile=profile)
        ],
    }
    for section, exporter in sorted(_EXPORTERS.items()):
        data[section] = exporter(profile)
    return data
