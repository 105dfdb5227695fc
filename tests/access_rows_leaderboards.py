"""Rows of the access matrix (tests/test_access_matrix.py) for the leaderboards pages and endpoints."""

SIGNED_IN = ["learner", "other_learner", "parent", "other_parent", "teacher", "other_teacher", "staff"]
SIGNED_IN_PAGE = {**dict.fromkeys(SIGNED_IN, "ok"), "anonymous": "login"}
SIGNED_IN_API = {**dict.fromkeys(SIGNED_IN, "ok"), "anonymous": 401}

ROWS = [
    ("leaderboards:board", "get", None, None, SIGNED_IN_PAGE),
    ("leaderboards_api:board", "get", lambda w: {"board": "week"}, None, SIGNED_IN_API),
    ("leaderboards_api:board-me", "get", lambda w: {"board": "all"}, None, SIGNED_IN_API),
]
