"""Default content this app ships: the six badge ranks from the design documents."""

# (slug, name, icon, required points, required problems, description)
DEFAULT_BADGES = [
    ("beginner", "Beginner", "🌱", 0, 0, "Everyone starts here."),
    ("apprentice", "Apprentice", "🔧", 1000, 10, "1,000 XP and 10 problems solved."),
    ("intermediate", "Intermediate", "📘", 2500, 25, "2,500 XP and 25 problems solved."),
    ("advanced", "Advanced", "🚀", 5000, 40, "5,000 XP and 40 problems solved."),
    ("expert", "Expert", "🏅", 8000, 60, "8,000 XP and 60 problems solved."),
    ("master", "Master", "👑", 12000, 80, "12,000 XP and 80 problems solved."),
]


def seed_default_badges(badge_model):
    """Create or refresh the default badges; works with the real model or a migration's."""
    for slug, name, icon, points, problems, description in DEFAULT_BADGES:
        badge_model.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "icon": icon,
                "required_points": points,
                "required_problems": problems,
                "description": description,
            },
        )
