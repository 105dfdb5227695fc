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


# (slug, name, icon, rule kind, threshold, XP reward, description)
DEFAULT_ACHIEVEMENTS = [
    ("first-steps", "First steps", "🎯", "first_solve", 1, 20, "Solve your first problem."),
    ("ten-solved", "Getting going", "🔟", "problems_solved", 10, 50, "Solve 10 problems."),
    ("twenty-five-solved", "Quarter century", "🧮", "problems_solved", 25, 100, "Solve 25 problems."),
    ("fifty-solved", "Half century", "🏏", "problems_solved", 50, 200, "Solve 50 problems."),
    ("streak-3", "Warming up", "🔥", "streak", 3, 20, "Practise 3 days in a row."),
    ("streak-7", "Week-long streak", "📅", "streak", 7, 50, "Practise 7 days in a row."),
    ("streak-30", "Unstoppable", "☄️", "streak", 30, 200, "Practise 30 days in a row."),
    ("perfect-5", "Flawless", "💯", "perfect_session", 5, 50, "Get every answer right in a session of 5+ questions."),
    ("perfect-10", "Flawless ten", "🌟", "perfect_session", 10, 100, "Get every answer right in a session of 10+."),
    ("quick-thinker", "Quick thinker", "⚡", "speed_solve", 30, 20, "Solve a problem within 30 seconds of opening it."),
    ("potd-1", "Daily dose", "☀️", "problems_of_the_day", 1, 20, "Complete a problem of the day."),
    ("potd-10", "Regular", "🗓️", "problems_of_the_day", 10, 100, "Complete 10 problems of the day."),
    ("module-1", "Module master", "📗", "modules_completed", 1, 50, "Complete every problem in a module."),
    ("module-3", "Triple crown", "📚", "modules_completed", 3, 150, "Complete 3 modules."),
    ("goal-3", "On target", "🎯", "daily_goal_streak", 3, 30, "Meet your daily goal 3 days running."),
    ("goal-7", "Goal getter", "🏹", "daily_goal_streak", 7, 75, "Meet your daily goal 7 days running."),
    ("comeback-7", "Welcome back", "👋", "comeback", 7, 25, "Come back after a week or more away."),
    ("level-5", "Level 5", "⭐", "level", 5, 50, "Reach level 5."),
    ("level-10", "Level 10", "🌠", "level", 10, 150, "Reach level 10."),
    ("xp-5000", "5,000 XP", "💎", "total_xp", 5000, 100, "Earn 5,000 XP in total."),
]  # fmt: skip


def seed_default_achievements(achievement_model):
    """Create the default achievements that do not exist yet (by slug); staff edits to existing
    ones are kept. Works with the real model or a migration's."""
    for order, (slug, name, icon, rule, threshold, reward, description) in enumerate(DEFAULT_ACHIEVEMENTS, 1):
        achievement_model.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "icon": icon,
                "rule": rule,
                "threshold": threshold,
                "xp_reward": reward,
                "description": description,
                "display_order": order * 10,
            },
        )
