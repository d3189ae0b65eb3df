"""Settings come from the environment, fail loudly on bad values and are secure by default."""

import ast
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from chapter.env import env_bool, env_int, mailer_from_url

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "slipstream.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://slipstream.example.org",
    "SITE_URL": "https://slipstream.example.org",
}


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "SITE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean | {"DJANGO_SETTINGS_MODULE": "chapter.settings"} | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_deploy_is_clean_with_only_the_four_required_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_missing_secret_key_stops_production_start_up():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_missing_site_url_stops_production_start_up_and_says_what_to_set():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SITE_URL"}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "SITE_URL is not set" in result.stderr
    assert "SITE_URL=https://" in result.stderr  # the hint shows what to set
    gunicorn_import = subprocess.run(
        [sys.executable, "-c", "import chapter.wsgi"],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k not in {"DEBUG", "SITE_URL", "SECRET_KEY"}}
        | {"DJANGO_SETTINGS_MODULE": "chapter.settings"}
        | env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert gunicorn_import.returncode != 0
    assert "SITE_URL is not set" in gunicorn_import.stderr


def test_site_url_must_be_an_address():
    result = run_manage("check", env=PRODUCTION_ENV | {"SITE_URL": "slipstream.example.org"})
    assert result.returncode != 0
    assert "is not an address like https://" in result.stderr


def test_a_laptop_needs_no_site_url():
    result = run_manage("check", env={"DEBUG": "1"})
    assert result.returncode == 0, result.stderr


def test_a_bad_boolean_names_the_variable():
    result = run_manage("check", env=PRODUCTION_ENV | {"DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_env_helpers_reject_bad_values(monkeypatch):
    monkeypatch.setenv("X_FLAG", "sure")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        env_bool("X_FLAG", False)
    monkeypatch.setenv("X_NUM", "ten")
    with pytest.raises(ImproperlyConfigured, match="X_NUM"):
        env_int("X_NUM", 1)
    monkeypatch.setenv("X_NUM", "-3")
    with pytest.raises(ImproperlyConfigured, match="at least 0"):
        env_int("X_NUM", 1)


def test_email_url_is_parsed_into_smtp_settings():
    parsed = mailer_from_url("smtp://mailer:s%40cret@mail.example.org:2525")["OPTIONS"]
    assert parsed["host"] == "mail.example.org"
    assert parsed["port"] == 2525
    assert parsed["password"] == "s@cret"
    assert parsed["use_tls"] is True
    with pytest.raises(ImproperlyConfigured, match="scheme"):
        mailer_from_url("carrier-pigeon://loft")


def test_production_responses_carry_the_security_headers(tmp_path):
    """Run one request through the production settings and read the headers it sends."""
    env = PRODUCTION_ENV | {"VAR_DIR": str(tmp_path)}
    collected = run_manage("collectstatic", "--noinput", env=env)
    assert collected.returncode == 0, collected.stderr
    code = (
        "import django; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/accounts/login/', secure=True, HTTP_HOST='slipstream.example.org');"
        "print(r.status_code);"
        "[print(k + ': ' + r.headers.get(k, '')) for k in ("
        "'Content-Security-Policy', 'Strict-Transport-Security', 'X-Frame-Options',"
        "'Referrer-Policy', 'X-Content-Type-Options')];"
        "print('cookie-secure', r.cookies['csrftoken']['secure'])"
    )
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean | {"DJANGO_SETTINGS_MODULE": "chapter.settings"} | env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert out.startswith("200")
    csp = next(line for line in out.splitlines() if line.startswith("Content-Security-Policy"))
    assert "default-src 'self'" in csp
    assert "script-src 'self' 'nonce-" in csp
    assert "unsafe-inline" not in csp
    assert "Strict-Transport-Security: max-age=31536000; includeSubDomains; preload" in out
    assert "X-Frame-Options: DENY" in out
    assert "Referrer-Policy: same-origin" in out
    assert "X-Content-Type-Options: nosniff" in out
    assert "cookie-secure True" in out


def _database_options(env: dict[str, str]) -> str:
    code = (
        "from django.conf import settings; "
        "print(sorted(settings.DATABASES['default'].get('OPTIONS', {}).items()))"
    )
    result = run_manage("shell", "-c", code, env=PRODUCTION_ENV | env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]  # after the shell's own banner


def test_postgresql_prepares_statements_and_skips_jit_unless_told_not_to():
    url = {"DATABASE_URL": "postgres://app@db.example.org:5432/slipstream"}
    options = _database_options(url)
    assert "('prepare_threshold', 2)" in options
    assert "('server_side_binding', True)" in options
    assert "-c jit=off -c plan_cache_mode=force_generic_plan" in options
    pooled = _database_options(url | {"DATABASE_PREPARED_STATEMENTS": "0"})
    assert "prepare_threshold" not in pooled and "server_side_binding" not in pooled
    assert "-c jit=off" in pooled and "plan_cache_mode" not in pooled
    assert _database_options({"DATABASE_URL": "sqlite:////tmp/x.sqlite3"}) == "[]"


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_postgresql_session_plans_prepared_statements_once_and_never_jit_compiles():
    """The settings reach the server: what the connection itself reports."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('plan_cache_mode'), current_setting('jit')")
        assert cursor.fetchone() == ("force_generic_plan", "off")


def _setting(expression: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    code = f"from django.conf import settings; print(repr({expression}))"
    return run_manage("shell", "-c", code, env=PRODUCTION_ENV | env)


POSTGRES = {"DATABASE_URL": "postgres://app@db.example.org:5432/slipstream"}


def test_each_process_keeps_a_bounded_pool_of_postgresql_connections():
    database = "settings.DATABASES['default']"
    result = _setting(f"({database}['OPTIONS']['pool'], {database}['CONN_MAX_AGE'])", POSTGRES)
    assert result.returncode == 0, result.stderr
    pool, conn_max_age = ast.literal_eval(result.stdout.strip().splitlines()[-1])
    assert (pool["min_size"], pool["max_size"], pool["timeout"]) == (1, 4, 10)
    assert conn_max_age == 0  # the pool keeps the connections
    sized = POSTGRES | {"DATABASE_POOL_MIN": "2", "DATABASE_POOL_MAX": "6",
                        "DATABASE_POOL_TIMEOUT": "3"}  # fmt: skip
    result = _setting(f"{database}['OPTIONS']['pool']", sized)
    assert "'min_size': 2, 'max_size': 6, 'timeout': 3" in result.stdout


def test_without_the_pool_a_thread_keeps_its_connection_for_conn_max_age():
    database = "settings.DATABASES['default']"
    result = _setting(f"('pool' in {database}['OPTIONS'], {database}['CONN_MAX_AGE'])",
                      POSTGRES | {"DATABASE_POOL_MAX": "0"})  # fmt: skip
    assert result.stdout.strip().splitlines()[-1] == "(False, 60)"
    sqlite = _setting(f"{database}.get('OPTIONS', {{}})", {"DATABASE_URL": "sqlite:////tmp/x.db"})
    assert "pool" not in sqlite.stdout


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CONN_MAX_AGE": "60"}, "CONN_MAX_AGE must be 0 with the connection pool"),
        ({"DATABASE_POOL_MIN": "5"}, "DATABASE_POOL_MIN=5 is more than DATABASE_POOL_MAX=4"),
        ({"DATABASE_POOL_TIMEOUT": "0"}, "DATABASE_POOL_TIMEOUT='0' must be at least 1"),
    ],
)
def test_a_pool_that_cannot_work_stops_start_up(env, message):
    result = run_manage("check", env=PRODUCTION_ENV | POSTGRES | env)
    assert result.returncode != 0
    assert message in result.stderr


def test_the_proxy_hops_are_allauths_count_too():
    none = _setting("settings.ALLAUTH_TRUSTED_PROXY_COUNT", {})
    assert none.stdout.strip().splitlines()[-1] == "0"
    hops = _setting("settings.ALLAUTH_TRUSTED_PROXY_COUNT", {"TRUSTED_PROXY_HOPS": "2"})
    assert hops.stdout.strip().splitlines()[-1] == "2"


@pytest.mark.postgres
@pytest.mark.django_db
def test_eight_threads_share_at_most_the_pools_connections():
    """What bounds a process's connections is the pool, not its threads: eight threads each
    holding a connection for a moment are served by at most DATABASE_POOL_MAX of them."""
    from concurrent.futures import ThreadPoolExecutor

    from django.conf import settings
    from django.db import connection as this_thread

    limit = settings.DATABASES["default"]["OPTIONS"]["pool"]["max_size"]

    def backend() -> int:
        try:
            with this_thread.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid() FROM pg_sleep(0.2)")
                return cursor.fetchone()[0]
        finally:
            this_thread.close()  # back to the pool, as at the end of a request

    with ThreadPoolExecutor(8) as threads:
        backends = set(threads.map(lambda _: backend(), range(16)))
    assert 1 <= len(backends) <= limit
