"""Rows of the access matrix (tests/test_access_matrix.py) for the leaderboards pages and endpoints."""

ROWS = []
