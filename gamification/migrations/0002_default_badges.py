from django.db import migrations

from gamification.defaults import DEFAULT_BADGES, seed_default_badges


def add_badges(apps, schema_editor):
    seed_default_badges(apps.get_model("gamification", "Badge"))


def remove_badges(apps, schema_editor):
    Badge = apps.get_model("gamification", "Badge")
    Badge.objects.filter(slug__in=[row[0] for row in DEFAULT_BADGES]).delete()


class Migration(migrations.Migration):
    dependencies = [("gamification", "0001_initial")]

    operations = [migrations.RunPython(add_badges, remove_badges)]
