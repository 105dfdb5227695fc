from django.db import migrations

from gamification.defaults import DEFAULT_ACHIEVEMENTS, seed_default_achievements


def add_achievements(apps, schema_editor):
    seed_default_achievements(apps.get_model("gamification", "Achievement"))


def remove_achievements(apps, schema_editor):
    Achievement = apps.get_model("gamification", "Achievement")
    Achievement.objects.filter(slug__in=[row[0] for row in DEFAULT_ACHIEVEMENTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("gamification", "0004_profilestats_board_markers")]

    operations = [migrations.RunPython(add_achievements, remove_achievements)]
