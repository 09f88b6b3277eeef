"""Where the database URL comes from: `--db`, `TRACEAPP_DB`, the settings file, or the default file.

The settings file names the database either as a URL or as a station's connection: local mode
(a SQLite file) or shared mode (a PostgreSQL server: host, port, database, user, sslmode). A
password is never written there: it lives in the OS keyring, or in the PostgreSQL password file
(PGPASSFILE, ~/.pgpass) that the driver reads by itself, or it is asked for at start.
"""

from __future__ import annotations

import enum
import json
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import platformdirs
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

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


def _database_section(path: Path) -> dict[str, object] | None:
    database = load_settings(path).get("database")
    if database is None:
        return None
    if not isinstance(database, dict):
        raise InvalidInput(
            f"In the settings file {path}{_line_of(path, 'database')}, 'database' must be a table.",
            hint='Write it as a [database] section with url = "...".',
        )
    return database


def settings_database_url(path: Path, environ: Mapping[str, str] | None = None) -> str | None:
    """The database the settings file names (its `url`, or the URL of its station connection;
    no password in it), or None when the file does not set one."""
    database = _database_section(path)
    if database is None:
        return None
    url = database.get("url")
    if url is None:
        connection = connection_from_section(database, path)
        return connection.url(environ=environ) if connection is not None else None
    if "mode" in database:
        raise InvalidInput(
            f"In the settings file {path}{_line_of(path, 'mode')}, [database] has both a url "
            "and a mode.",
            hint="Keep one of them: the url, or the mode with its connection settings.",
        )
    if not isinstance(url, str) or not url.strip():
        raise InvalidInput(
            f"In the settings file {path}{_line_of(path, 'url')}, [database] url must be a non-empty string.",
            hint='Write e.g. url = "postgresql+psycopg://trace@db-server/traceapp".',
        )
    return url.strip()


def resolve_database(
    cli_url: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    with_password: bool = True,
) -> DatabaseSetting:
    """The database URL to use, first match wins: `--db`, `TRACEAPP_DB`, settings file, default.

    A shared-mode connection from the settings file gets its password from the OS keyring when
    one is saved there (`with_password`); else the driver looks in PGPASSFILE / ~/.pgpass.
    """
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
    from_file = settings_database_url(path, env)
    if from_file is not None:
        if with_password:
            from_file = url_with_saved_password(from_file)
        return DatabaseSetting(from_file, UrlSource.SETTINGS_FILE, str(path))
    default = data_dir(env) / DEFAULT_DB_FILE
    return DatabaseSetting(default_database_url(env), UrlSource.DEFAULT, str(default.resolve()))


def first_start_needed(url: str, environ: Mapping[str, str] | None = None) -> bool:
    """True when the database to open is the default file, it does not exist yet, and nothing
    (settings file, TRACEAPP_DB) named another: this PC has never had a plant."""
    if url != default_database_url(environ):
        return False
    return not (data_dir(environ) / DEFAULT_DB_FILE).exists()


# ---------------------------------------------------------------------------------------------
# A station's connection: local (SQLite file) or shared (PostgreSQL server).

Mode = Literal["local", "shared"]
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
DEFAULT_PORT = 5432
KEYRING_SERVICE = "traceapp"


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """Where the plant's PostgreSQL server is and who this station logs in as (no password)."""

    host: str
    database: str
    user: str
    port: int = DEFAULT_PORT
    sslmode: str = "prefer"

    @property
    def keyring_account(self) -> str:
        """The name the password is saved under in the OS keyring: one per server login."""
        return f"{self.user}@{self.host}:{self.port}/{self.database}"

    def url(self, password: str | None = None) -> str:
        return URL.create(
            "postgresql+psycopg",
            username=self.user,
            password=password or None,
            host=self.host,
            port=self.port,
            database=self.database,
            query={"sslmode": self.sslmode},
        ).render_as_string(hide_password=False)


@dataclass(frozen=True, slots=True)
class ConnectionSettings:
    """A station's database: a local SQLite file (`path`, None = the default file) or a server."""

    mode: Mode
    path: Path | None = None
    server: ServerSettings | None = None

    def url(self, password: str | None = None, *, environ: Mapping[str, str] | None = None) -> str:
        if self.mode == "shared":
            assert self.server is not None
            return self.server.url(password)
        if self.path is None:
            return default_database_url(environ)
        return f"sqlite:///{self.path.expanduser().resolve()}"


def _text(section: Mapping[str, object], key: str, path: Path, *, required: bool) -> str | None:
    value = section.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(
            f"In the settings file {path}{_line_of(path, key)}, [database] {key} must be a "
            "non-empty string.",
            hint=f'Write e.g. {key} = "...", or set it in the Database connection dialog.',
        )
    return value.strip()


def connection_from_section(section: Mapping[str, object], path: Path) -> ConnectionSettings | None:
    """The station connection a `[database]` section sets by `mode`, or None without a mode."""
    if "password" in section:
        raise InvalidInput(
            f"The settings file {path}{_line_of(path, 'password')} holds a database password.",
            hint="Delete that line: passwords go in the system keyring (Database connection "
            "dialog) or in a PGPASSFILE, never in the settings file.",
        )
    mode = section.get("mode")
    if mode is None:
        return None
    if mode == "local":
        file = _text(section, "path", path, required=False)
        return ConnectionSettings("local", Path(file).expanduser() if file else None)
    if mode != "shared":
        raise InvalidInput(
            f"In the settings file {path}{_line_of(path, 'mode')}, [database] mode must be "
            f'"local" or "shared", not {mode!r}.',
            hint='"local" keeps the data in a file on this computer; "shared" uses the plant server.',
        )
    port = section.get("port", DEFAULT_PORT)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise InvalidInput(
            f"In the settings file {path}{_line_of(path, 'port')}, [database] port must be a "
            "number from 1 to 65535.",
            hint=f"PostgreSQL listens on {DEFAULT_PORT} unless IT set it otherwise.",
        )
    sslmode = _text(section, "sslmode", path, required=False) or "prefer"
    if sslmode not in SSL_MODES:
        raise InvalidInput(
            f"In the settings file {path}{_line_of(path, 'sslmode')}, [database] sslmode "
            f"{sslmode!r} is not one PostgreSQL knows.",
            hint=f"Use one of {', '.join(SSL_MODES)}.",
        )
    server = ServerSettings(
        host=_text(section, "host", path, required=True) or "",
        database=_text(section, "database", path, required=True) or "",
        user=_text(section, "user", path, required=True) or "",
        port=port,
        sslmode=sslmode,
    )
    return ConnectionSettings("shared", server=server)


def connection_settings(environ: Mapping[str, str] | None = None) -> ConnectionSettings | None:
    """The station connection the settings file sets, for the dialog to start from (None: none;
    a plain `url` is not a station connection and is shown as it is elsewhere)."""
    path = settings_path(environ)
    section = _database_section(path)
    return connection_from_section(section, path) if section is not None else None


def _toml_value(value: str | int) -> str:
    # JSON strings are valid TOML basic strings (same escapes), so json.dumps quotes them safely.
    return str(value) if isinstance(value, int) else json.dumps(value, ensure_ascii=False)


def _section_lines(connection: ConnectionSettings) -> list[str]:
    lines = ["[database]", f"mode = {_toml_value(connection.mode)}"]
    if connection.mode == "local" and connection.path is not None:
        lines.append(f"path = {_toml_value(str(connection.path))}")
    if connection.server is not None:
        server = connection.server
        lines += [
            f"host = {_toml_value(server.host)}",
            f"port = {_toml_value(server.port)}",
            f"database = {_toml_value(server.database)}",
            f"user = {_toml_value(server.user)}",
            f"sslmode = {_toml_value(server.sslmode)}",
            "# The password is not kept here: see the system keyring or PGPASSFILE.",
        ]
    return lines


_HEADER_RE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")


def save_connection_settings(
    connection: ConnectionSettings, environ: Mapping[str, str] | None = None
) -> Path:
    """Write the `[database]` section of the settings file, keeping every other section and
    comment as it was; returns the file's path."""
    path = settings_path(environ)
    load_settings(path)  # a broken file is reported, not overwritten
    try:
        old = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        old = []
    kept: list[str] = []
    inside = False
    for line in old:
        header = _HEADER_RE.match(line)
        if header:
            inside = header.group(1) == "database"
        if not inside:
            kept.append(line)
    while kept and not kept[-1].strip():
        kept.pop()
    text = "\n".join([*kept, *([""] if kept else []), *_section_lines(connection)]) + "\n"
    tomllib.loads(text)  # what we write must read back
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".new")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
    return path


# ---------------------------------------------------------------------------------------------
# Passwords: the OS keyring where there is one. Headless Linux has none; then nothing is stored.


def keyring_available() -> bool:
    """True when the OS offers a keyring (Windows Credential Manager, macOS Keychain, a
    Secret Service on Linux); False on a headless Linux station."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return False
    try:
        backend = keyring.get_keyring()
    except Exception:  # a broken backend configuration is the same as none
        return False
    return not isinstance(backend, fail.Keyring) and getattr(backend, "priority", 0) > 0


def saved_password(server: ServerSettings) -> str | None:
    """The password saved in the OS keyring for this server login, or None."""
    if not keyring_available():
        return None
    import keyring
    from keyring.errors import KeyringError

    try:
        return keyring.get_password(KEYRING_SERVICE, server.keyring_account)
    except KeyringError:
        return None


def save_password(server: ServerSettings, password: str) -> bool:
    """Keep the password in the OS keyring; False (nothing stored) when there is no keyring."""
    if not keyring_available():
        return False
    import keyring
    from keyring.errors import KeyringError

    try:
        keyring.set_password(KEYRING_SERVICE, server.keyring_account, password)
    except KeyringError:
        return False
    return True


def forget_password(server: ServerSettings) -> None:
    """Remove a saved password (the station was switched to another login or to local mode)."""
    if not keyring_available():
        return
    import keyring
    from keyring.errors import KeyringError

    try:
        keyring.delete_password(KEYRING_SERVICE, server.keyring_account)
    except KeyringError:
        return


def url_with_saved_password(url: str) -> str:
    """A PostgreSQL URL without a password gets the one saved in the keyring for its login."""
    try:
        found = make_url(url)
    except ArgumentError:  # not a URL (a bare file path): nothing to add
        return url
    if found.get_backend_name() != "postgresql" or found.password or not found.host:
        return url
    server = ServerSettings(
        host=found.host,
        database=found.database or "",
        user=found.username or "",
        port=found.port or DEFAULT_PORT,
    )
    password = saved_password(server)
    if not password:
        return url
    return found.set(password=password).render_as_string(hide_password=False)
