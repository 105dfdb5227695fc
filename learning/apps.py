from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "learning"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from . import achievement_sources
        from .models import Module, Problem
        from .selectors import problems_forget

        # Cache invalidation only: no domain logic lives in signals.
        for model in (Module, Problem):
            for signal in (post_save, post_delete):
                signal.connect(problems_forget, sender=model, dispatch_uid=f"problems_forget_{model.__name__}_{signal}")

        # Gamification's achievement backfills read learning's facts through these providers.
        achievement_sources.register()
