"""Configuration read from the environment, in one place.

Every setting the operator may change is named here and documented in the README table.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


class ConfigurationError(RuntimeError):
    """The environment does not describe a runnable installation."""


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def data_home() -> Path:
    """The data folder: SQLite database, generated secret key, uploaded files."""
    return Path(env_str("PHONGDICH_HOME", "var")).expanduser().resolve()


def is_production() -> bool:
    return env_str("PHONGDICH_ENV", "development").lower() == "production"


def secret_key(home: Path) -> str:
    """SECRET_KEY from the environment; outside production, generated once and kept in the data folder."""
    key = env_str("SECRET_KEY")
    if key:
        return key
    if is_production():
        raise ConfigurationError("SECRET_KEY must be set when PHONGDICH_ENV=production.")
    key_file = home / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    home.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    # Created with owner-only permissions: the key signs sessions and QR codes.
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be a whole number, not {raw!r}.") from exc
