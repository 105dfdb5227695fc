from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class GamificationConfig(AppConfig):
    name = "gamification"

    def ready(self):
        from .models import Badge
        from .services import badges_forget

        # Cache invalidation only: no domain logic lives in signals.
        post_save.connect(badges_forget, sender=Badge, dispatch_uid="badges_forget_save")
        post_delete.connect(badges_forget, sender=Badge, dispatch_uid="badges_forget_delete")
