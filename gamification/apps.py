from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class GamificationConfig(AppConfig):
    name = "gamification"

    def ready(self):
        from .achievements import achievements_forget, earned_forget_row
        from .models import Achievement, Badge, EarnedAchievement
        from .services import badges_forget

        # Cache invalidation only: no domain logic lives in signals.
        post_save.connect(badges_forget, sender=Badge, dispatch_uid="badges_forget_save")
        post_delete.connect(badges_forget, sender=Badge, dispatch_uid="badges_forget_delete")
        post_save.connect(achievements_forget, sender=Achievement, dispatch_uid="achievements_forget_save")
        post_delete.connect(achievements_forget, sender=Achievement, dispatch_uid="achievements_forget_delete")
        post_delete.connect(earned_forget_row, sender=EarnedAchievement, dispatch_uid="earned_forget_delete")

        # Not a signal: accounts calls its registered listeners inside the profile change's
        # transaction, so the boards show or hide the learner at once.
        from accounts.services import register_visibility_listener

        from .services import leaderboard_visibility_follow

        register_visibility_listener(leaderboard_visibility_follow)
