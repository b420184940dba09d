"""Headers on every response; `check --deploy` clean under the documented production settings."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings as django_settings
from django.test import Client

from outcry.testing import make_campaign

DENIED = [
    "camera",
    "microphone",
    "geolocation",
    "payment",
    "usb",
    "browsing-topics",
    "interest-cohort",
]


def assert_policy(response) -> None:
    policy = response["Permissions-Policy"]
    for feature in DENIED:
        assert f"{feature}=()" in policy, feature


def test_public_pages_the_admin_static_files_and_errors_carry_a_permissions_policy(db):
    campaign = make_campaign()
    client = Client()
    for url, status in [
        (f"/en/c/{campaign.slug}/", 200),
        (f"/ko/c/{campaign.slug}/", 200),
        ("/admin/login/", 200),
        ("/admin/", 302),
        ("/en/no-such-page/", 404),
        ("/healthz", 200),
    ]:
        response = client.get(url)
        assert response.status_code == status, url
        assert_policy(response)
    static = client.get("/static/admin/css/login.css")
    assert static.status_code == 200
    assert_policy(static)


def test_the_admin_login_keeps_the_strict_content_security_policy(db):
    response = Client().get("/admin/login/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "<script>" not in response.content.decode()


# The production environment docs/configuration.md ("Running in production") documents.
PRODUCTION_ENV = {
    "OUTCRY_BASE_URL": "https://campaign.example.org",
    "OUTCRY_TRUSTED_PROXIES": "1",
}


def manage(var_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    root = Path(django_settings.BASE_DIR)
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("OUTCRY_") and key not in {"SECRET_KEY", "DATABASE_URL", "REDIS_URL"}
    }
    environment |= {"DJANGO_SETTINGS_MODULE": "outcry.settings", "OUTCRY_VAR_DIR": str(var_dir)}
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, str(root / "manage.py"), *args],
        cwd=root,
        env=environment | env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_under_the_documented_production_settings(tmp_path):
    # As documented: no SECRET_KEY set, so one is generated into var/ on first start.
    result = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_behind_https_hsts_redirects_and_secure_cookies_are_on_by_default(tmp_path):
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_SSL_REDIRECT, "
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_AGE)"
    )
    result = manage(tmp_path, "shell", "-v", "0", "-c", code, **PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["31536000", "True", "True", "True", "True", "28800"]
    plain = manage(
        tmp_path, "shell", "-v", "0", "-c", code, OUTCRY_BASE_URL="http://127.0.0.1:8000"
    )
    assert plain.stdout.split() == ["0", "False", "False", "False", "False", "28800"]
