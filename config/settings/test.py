"""Test profile: the real database named by DATABASE_URL, but fast hashing and in-process tasks."""

from .base import *  # noqa: F403
from .base import REST_FRAMEWORK

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
Q_CLUSTER = {"name": "learnloop-test", "orm": "default", "sync": True, "timeout": 60, "retry": 120}
# Throttling is exercised by its own tests with explicit rates; elsewhere it would only add noise.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "10000/min", "user": "10000/min"}}
