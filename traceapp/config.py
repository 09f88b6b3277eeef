"""Where the database URL comes from: `--db`, `TRACEAPP_DB`, the settings file, or the default file."""

from __future__ import annotations

import enum
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from traceapp.domain.errors import InvalidInput

APP_NAME = "traceapp"
ENV_DB = "TRACEAPP_DB"
ENV_CONFIG_DIR = "TRACEAPP_CONFIG_DIR"
ENV_DATA_DIR = "TRACEAPP_DATA_DIR"
SETTINGS_FILE = "settings.toml"
DEFAULT_DB_FILE = "traceapp.db"

_TOML_LINE_RE = re.compile(r"\(at line (\d+), column (\d+)\)")


class UrlSource(enum.StrEnum):
    """Which of the four places the database URL was taken from."""

    COMMAND_LINE = "command_line"
    ENVIRONMENT = "environment"
    SETTINGS_FILE = "settings_file"
    DEFAULT = "default"


@dataclass(frozen=True, slots=True)
class DatabaseSetting:
    """The URL to open and where it came from (`origin` names the option, variable or file)."""

    url: str
    source: UrlSource
    origin: str

    def describe(self) -> str:
        """The source as a person reads it, e.g. 'settings file /home/ana/.config/…'."""
        return {
            UrlSource.COMMAND_LINE: "the --db option",
            UrlSource.ENVIRONMENT: f"the environment variable {ENV_DB}",
            UrlSource.SETTINGS_FILE: f"the settings file {self.origin}",
            UrlSource.DEFAULT: f"the default database file {self.origin}",
        }[self.source]


def _environ(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def _folder_from(environ: Mapping[str, str], variable: str, fallback: str) -> Path:
    override = environ.get(variable, "").strip()
    return Path(override).expanduser() if override else Path(fallback)


def config_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The settings folder: `TRACEAPP_CONFIG_DIR`, else the platform's user config folder."""
    return _folder_from(
        _environ(environ), ENV_CONFIG_DIR, platformdirs.user_config_dir(APP_NAME, appauthor=False)
    )


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The data folder: `TRACEAPP_DATA_DIR`, else the platform's user data folder."""
    return _folder_from(
        _environ(environ), ENV_DATA_DIR, platformdirs.user_data_dir(APP_NAME, appauthor=False)
    )


def settings_path(environ: Mapping[str, str] | None = None) -> Path:
    return config_dir(environ) / SETTINGS_FILE


def default_database_url(environ: Mapping[str, str] | None = None) -> str:
    """`sqlite:///` on the default file; the folder is made when the database is opened."""
    return f"sqlite:///{(data_dir(environ) / DEFAULT_DB_FILE).resolve()}"


def load_settings(path: Path) -> dict[str, object]:
    """The parsed settings file; a missing file is empty settings, a broken one an InvalidInput."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError:
        raise InvalidInput(
            f"The settings file {path} is not UTF-8 text.",
            hint="Save it as UTF-8, or delete it to use the defaults.",
        ) from None
    except OSError as exc:
        raise InvalidInput(
            f"The settings file {path} cannot be read: {exc.strerror or exc}.",
            hint="Check that it is a readable file, or delete it to use the defaults.",
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_LINE_RE.search(str(exc))
        where = f" line {found.group(1)}" if found else ""
        problem = _TOML_LINE_RE.sub("", str(exc)).strip()
        raise InvalidInput(
            f"The settings file {path} is not valid TOML at{where or ' an unknown line'}: {problem}.",
            hint='Fix that line; the database is set as [database] url = "sqlite:///path/to/file.db".',
        ) from None


def _line_of(path: Path, key: str) -> str:
    """' line N' of the first line that assigns `key`, for messages about a wrong value."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return ""
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for number, line in enumerate(lines, start=1):
        if pattern.match(line):
            return f" line {number}"
    return ""


def settings_database_url(path: Path) -> str | None:
    """The `[database] url` of the settings file, or None when the file does not set one."""
    settings = load_settings(path)
    database = settings.get("database")
    if database is None:
        return None
    if not isinstance(database, dict):
        raise InvalidInput(
            f"In the settings file {path}{_line_of(path, 'database')}, 'database' must be a table.",
            hint='Write it as a [database] section with url = "...".',
        )
    url = database.get("url")
    if url is None:
        return None
    if not isinstance(url, str) or not url.strip():
        raise InvalidInput(
            f"In the settings file {path}{_line_of(path, 'url')}, [database] url must be a non-empty string.",
            hint='Write e.g. url = "postgresql+psycopg://trace@db-server/traceapp".',
        )
    return url.strip()


def resolve_database(
    cli_url: str | None = None, *, environ: Mapping[str, str] | None = None
) -> DatabaseSetting:
    """The database URL to use, first match wins: `--db`, `TRACEAPP_DB`, settings file, default."""
    env = _environ(environ)
    if cli_url is not None:
        if not cli_url.strip():
            raise InvalidInput(
                "The --db option is empty.", hint="Give a database URL or file path."
            )
        return DatabaseSetting(cli_url.strip(), UrlSource.COMMAND_LINE, "--db")
    from_env = env.get(ENV_DB, "").strip()
    if from_env:
        return DatabaseSetting(from_env, UrlSource.ENVIRONMENT, ENV_DB)
    path = settings_path(env)
    from_file = settings_database_url(path)
    if from_file is not None:
        return DatabaseSetting(from_file, UrlSource.SETTINGS_FILE, str(path))
    default = data_dir(env) / DEFAULT_DB_FILE
    return DatabaseSetting(default_database_url(env), UrlSource.DEFAULT, str(default.resolve()))
