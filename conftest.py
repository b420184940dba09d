"""Test settings: the same settings.py, adjusted here (never by a settings module)."""

import os
import uuid

import pytest


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.PAGE_CACHE_SECONDS = 0
    # A fresh cache namespace per test, so rate limits and cached pages never leak
    # between tests (or between xdist workers sharing one Redis).
    caches = {}
    for alias, config in settings.CACHES.items():
        caches[alias] = {**config, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
        if config["BACKEND"].endswith("LocMemCache"):
            caches[alias]["LOCATION"] = uuid.uuid4().hex
    settings.CACHES = caches


def pytest_report_header(config):
    database = os.environ.get("DATABASE_URL", "sqlite (default)")
    redis = os.environ.get("REDIS_URL", "none (local memory cache)")
    return [f"outcry database: {database}", f"outcry redis: {redis}"]
