from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "learning"

    def ready(self):
        from . import achievement_sources

        # Gamification's achievement backfills read learning's facts through these providers.
        achievement_sources.register()
