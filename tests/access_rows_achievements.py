"""Rows of the access matrix (tests/test_access_matrix.py) for the achievements pages and endpoints."""

ROWS = []
