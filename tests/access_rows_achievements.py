"""Rows of the access matrix (tests/test_access_matrix.py) for the achievements pages and endpoints."""

SIGNED_IN = ["learner", "other_learner", "parent", "other_parent", "teacher", "other_teacher", "staff"]
SIGNED_IN_PAGE = {**dict.fromkeys(SIGNED_IN, "ok"), "anonymous": "login"}
SIGNED_IN_API = {**dict.fromkeys(SIGNED_IN, "ok"), "anonymous": 401}

# Everyone signed in sees their own (active profile's) achievements and celebrations.
ROWS = [
    ("achievements:list", "get", None, None, SIGNED_IN_PAGE),
    ("achievements_api:achievement-list", "get", None, None, SIGNED_IN_API),
    ("achievements_api:celebration-list", "get", None, None, SIGNED_IN_API),
]
