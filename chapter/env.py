"""Strict readers for settings that come from the environment.

A typo in a deployment's environment must stop the process at start-up with a message
naming the variable, never fall back to an unsafe default silently.
"""

import ipaddress
import os
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use 1/0, true/false, yes/no.")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r} must be at least {minimum}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_addresses(name: str, default: list[str]) -> list[str]:
    """Comma-separated IP addresses or networks (``192.0.2.7``, ``2001:db8::/32``)."""
    values = env_list(name, default)
    for value in values:
        try:
            ipaddress.ip_network(value)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name}: {value!r} is not an IP address or network (such as 192.0.2.0/24)."
            ) from None
    return values


def mailer_from_url(url: str) -> dict[str, object]:
    """Turn ``EMAIL_URL`` into one entry of Django's ``MAILERS`` setting.

    Understood: ``smtp://user:pass@host:587`` (STARTTLS), ``smtps://…:465`` (implicit TLS),
    ``smtp+insecure://host:25`` (no TLS, for a local relay), ``console://`` and
    ``file:///path/to/dir`` (each email written as a file, for reading what would be sent).
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    options = parse_qs(parts.query)
    if scheme == "console":
        return {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "file":
        if not parts.path:
            raise ImproperlyConfigured("EMAIL_URL=file:// needs a directory, e.g. file:///var/mail")
        return {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": unquote(parts.path)},
        }
    if scheme not in {"smtp", "smtps", "smtp+insecure"}:
        raise ImproperlyConfigured(
            f"EMAIL_URL scheme {scheme!r} is not one of smtp, smtps, smtp+insecure, console, file."
        )
    if not parts.hostname:
        raise ImproperlyConfigured("EMAIL_URL needs a host, e.g. smtp://user:pass@mail.example:587")
    default_port = {"smtp": 587, "smtps": 465, "smtp+insecure": 25}[scheme]
    try:
        port = parts.port or default_port
        timeout = int(options.get("timeout", ["10"])[0])
    except ValueError:
        raise ImproperlyConfigured(
            "EMAIL_URL has a port or timeout that is not a number."
        ) from None
    return {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": parts.hostname,
            "port": port,
            "username": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
            "use_tls": scheme == "smtp",
            "use_ssl": scheme == "smtps",
            "timeout": timeout,
        },
    }
