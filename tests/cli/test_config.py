"""Where the database URL comes from: each source wins over the ones after it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from traceapp import config
from traceapp.config import UrlSource, resolve_database
from traceapp.domain.errors import InvalidInput


@pytest.fixture
def dirs(tmp_path: Path) -> dict[str, str]:
    """An environment whose settings and data folders are fresh temporary folders."""
    return {
        config.ENV_CONFIG_DIR: str(tmp_path / "config"),
        config.ENV_DATA_DIR: str(tmp_path / "data"),
    }


def write_settings(environ: dict[str, str], text: str) -> Path:
    path = Path(environ[config.ENV_CONFIG_DIR]) / config.SETTINGS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_command_line_url_wins_over_environment_and_settings(dirs: dict[str, str]) -> None:
    write_settings(dirs, '[database]\nurl = "sqlite:////from/file.db"\n')
    environ = {**dirs, config.ENV_DB: "sqlite:////from/env.db"}
    setting = resolve_database("sqlite:////from/cli.db", environ=environ)
    assert (setting.url, setting.source) == ("sqlite:////from/cli.db", UrlSource.COMMAND_LINE)


def test_environment_wins_over_settings_file(dirs: dict[str, str]) -> None:
    write_settings(dirs, '[database]\nurl = "sqlite:////from/file.db"\n')
    setting = resolve_database(None, environ={**dirs, config.ENV_DB: " sqlite:////from/env.db "})
    assert (setting.url, setting.source) == ("sqlite:////from/env.db", UrlSource.ENVIRONMENT)


def test_settings_file_wins_over_default(dirs: dict[str, str]) -> None:
    path = write_settings(
        dirs, '# shared server\n[database]\nurl = "postgresql+psycopg://trace@db1/plant"\n'
    )
    setting = resolve_database(None, environ=dirs)
    assert setting.url == "postgresql+psycopg://trace@db1/plant"
    assert setting.source is UrlSource.SETTINGS_FILE
    assert setting.origin == str(path)
    assert str(path) in setting.describe()


def test_default_is_a_sqlite_file_in_the_data_folder(dirs: dict[str, str]) -> None:
    setting = resolve_database(None, environ=dirs)
    expected = (Path(dirs[config.ENV_DATA_DIR]) / config.DEFAULT_DB_FILE).resolve()
    assert setting.source is UrlSource.DEFAULT
    assert setting.url == f"sqlite:///{expected}"


def test_default_folder_comes_from_platformdirs_without_overrides() -> None:
    setting = resolve_database(None, environ={})
    assert setting.source is UrlSource.DEFAULT
    assert "traceapp" in setting.url
    assert setting.url.endswith("/traceapp.db")


def test_empty_environment_variable_is_ignored(dirs: dict[str, str]) -> None:
    setting = resolve_database(None, environ={**dirs, config.ENV_DB: "  "})
    assert setting.source is UrlSource.DEFAULT


def test_settings_file_without_database_section_falls_back_to_default(
    dirs: dict[str, str],
) -> None:
    write_settings(dirs, '[ui]\ntheme = "dark"\n')
    assert resolve_database(None, environ=dirs).source is UrlSource.DEFAULT


def test_process_environment_is_read_when_none_is_passed(
    dirs: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in dirs.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv(config.ENV_DB, "sqlite:////from/env.db")
    assert resolve_database().source is UrlSource.ENVIRONMENT
    monkeypatch.delenv(config.ENV_DB)
    assert resolve_database().url.startswith("sqlite:///" + str(Path(dirs[config.ENV_DATA_DIR])))


def test_broken_settings_file_names_the_file_and_line(dirs: dict[str, str]) -> None:
    path = write_settings(dirs, '[database]\nurl = "sqlite:///x.db\n')
    with pytest.raises(InvalidInput) as caught:
        resolve_database(None, environ=dirs)
    assert str(path) in caught.value.message
    assert "line 2" in caught.value.message
    assert "[database]" in caught.value.hint


def test_url_that_is_not_a_string_names_the_line(dirs: dict[str, str]) -> None:
    path = write_settings(dirs, "[database]\n\nurl = 5\n")
    with pytest.raises(InvalidInput, match="line 3") as caught:
        resolve_database(None, environ=dirs)
    assert str(path) in caught.value.message


def test_database_key_that_is_not_a_table_is_refused(dirs: dict[str, str]) -> None:
    write_settings(dirs, 'database = "sqlite:///x.db"\n')
    with pytest.raises(InvalidInput, match="must be a table"):
        resolve_database(None, environ=dirs)


def test_unreadable_settings_file_is_a_clear_error(dirs: dict[str, str]) -> None:
    (Path(dirs[config.ENV_CONFIG_DIR]) / config.SETTINGS_FILE).mkdir(parents=True)
    with pytest.raises(InvalidInput, match="cannot be read"):
        resolve_database(None, environ=dirs)


def test_settings_file_that_is_not_utf8_is_a_clear_error(dirs: dict[str, str]) -> None:
    path = Path(dirs[config.ENV_CONFIG_DIR]) / config.SETTINGS_FILE
    path.parent.mkdir(parents=True)
    path.write_bytes(b'[database]\nurl = "\xff"\n')
    with pytest.raises(InvalidInput, match="not UTF-8"):
        resolve_database(None, environ=dirs)


def test_empty_command_line_url_is_refused(dirs: dict[str, str]) -> None:
    with pytest.raises(InvalidInput, match="--db"):
        resolve_database("", environ=dirs)


def test_broken_settings_file_does_not_matter_when_the_environment_decides(
    dirs: dict[str, str],
) -> None:
    write_settings(dirs, "not toml at all [")
    setting = resolve_database(None, environ={**dirs, config.ENV_DB: "sqlite:////e.db"})
    assert setting.source is UrlSource.ENVIRONMENT


# A station's connection: local or shared mode, written by the connection dialog.


def test_shared_mode_builds_a_postgresql_url_without_a_password(dirs: dict[str, str]) -> None:
    write_settings(
        dirs,
        '[database]\nmode = "shared"\nhost = "db1.plant"\nport = 5433\ndatabase = "trace"\n'
        'user = "station"\nsslmode = "require"\n',
    )
    setting = resolve_database(None, environ=dirs, with_password=False)
    assert setting.source is UrlSource.SETTINGS_FILE
    assert setting.url == "postgresql+psycopg://station@db1.plant:5433/trace?sslmode=require"


def test_local_mode_with_a_path_opens_that_file(dirs: dict[str, str], tmp_path: Path) -> None:
    write_settings(dirs, f'[database]\nmode = "local"\npath = "{tmp_path / "plant.db"}"\n')
    assert resolve_database(None, environ=dirs).url == f"sqlite:///{tmp_path / 'plant.db'}"


def test_local_mode_without_a_path_is_the_default_file(dirs: dict[str, str]) -> None:
    write_settings(dirs, '[database]\nmode = "local"\n')
    setting = resolve_database(None, environ=dirs)
    assert setting.url == config.default_database_url(dirs)
    assert setting.source is UrlSource.SETTINGS_FILE


def test_environment_still_wins_over_a_shared_mode_settings_file(dirs: dict[str, str]) -> None:
    write_settings(dirs, '[database]\nmode = "shared"\nhost = "h"\ndatabase = "d"\nuser = "u"\n')
    setting = resolve_database(None, environ={**dirs, config.ENV_DB: "sqlite:////e.db"})
    assert setting.source is UrlSource.ENVIRONMENT


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('mode = "cloud"', 'must be "local" or "shared"'),
        ('mode = "shared"\nhost = "h"\nuser = "u"', "database must be a non-empty string"),
        ('mode = "shared"\nhost = "h"\ndatabase = "d"\nuser = "u"\nport = 0', "port must be"),
        ('mode = "shared"\nhost = "h"\ndatabase = "d"\nuser = "u"\nsslmode = "yes"', "sslmode"),
        ('url = "sqlite:///x.db"\nmode = "local"', "both a url and a mode"),
    ],
)
def test_a_wrong_connection_setting_names_the_line_and_what_to_write(
    dirs: dict[str, str], text: str, message: str
) -> None:
    write_settings(dirs, "[database]\n" + text + "\n")
    with pytest.raises(InvalidInput, match=message):
        resolve_database(None, environ=dirs)


def test_a_password_in_the_settings_file_is_refused(dirs: dict[str, str]) -> None:
    write_settings(
        dirs,
        '[database]\nmode = "shared"\nhost = "h"\ndatabase = "d"\nuser = "u"\npassword = "x"\n',
    )
    with pytest.raises(InvalidInput, match="line 6") as caught:
        resolve_database(None, environ=dirs)
    assert "keyring" in caught.value.hint
    assert "PGPASSFILE" in caught.value.hint


def test_saving_a_connection_keeps_the_other_sections_and_reads_back(dirs: dict[str, str]) -> None:
    path = write_settings(
        dirs,
        '# station 4, line 2\n[workstation]\nidle_lock_minutes = 10\n\n[database]\nurl = "sqlite:////old.db"\n\n'
        '[ui]\ntheme = "dark"\n',
    )
    server = config.ServerSettings(host="db1", database="trace", user="st4", sslmode="require")
    assert (
        config.save_connection_settings(config.ConnectionSettings("shared", server=server), dirs)
        == path
    )
    text = path.read_text(encoding="utf-8")
    assert "idle_lock_minutes = 10" in text
    assert 'theme = "dark"' in text
    assert "# station 4" in text
    assert "old.db" not in text
    assert "password" not in text.replace("The password is not", "")
    assert config.connection_settings(dirs) == config.ConnectionSettings("shared", server=server)
    assert resolve_database(None, environ=dirs, with_password=False).url == (
        "postgresql+psycopg://st4@db1:5432/trace?sslmode=require"
    )


def test_saving_local_mode_over_shared_mode(dirs: dict[str, str], tmp_path: Path) -> None:
    server = config.ServerSettings(host="db1", database="trace", user="st4")
    config.save_connection_settings(config.ConnectionSettings("shared", server=server), dirs)
    local = config.ConnectionSettings("local", path=tmp_path / 'odd "name".db')
    config.save_connection_settings(local, dirs)
    assert config.connection_settings(dirs) == local
    assert "db1" not in (Path(dirs[config.ENV_CONFIG_DIR]) / config.SETTINGS_FILE).read_text()


def test_a_broken_settings_file_is_not_overwritten(dirs: dict[str, str]) -> None:
    path = write_settings(dirs, "not toml at all [")
    with pytest.raises(InvalidInput):
        config.save_connection_settings(config.ConnectionSettings("local"), dirs)
    assert path.read_text() == "not toml at all ["


class _MemoryKeyring:
    """Stands in for the OS keyring (a headless test machine has none)."""

    def __init__(self) -> None:
        self.saved: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, account: str) -> str | None:
        return self.saved.get((service, account))

    def set_password(self, service: str, account: str, password: str) -> None:
        self.saved[(service, account)] = password

    def delete_password(self, service: str, account: str) -> None:
        self.saved.pop((service, account), None)


@pytest.fixture
def memory_keyring(monkeypatch: pytest.MonkeyPatch) -> _MemoryKeyring:
    import keyring

    store = _MemoryKeyring()
    monkeypatch.setattr(config, "keyring_available", lambda: True)
    for name in ("get_password", "set_password", "delete_password"):
        monkeypatch.setattr(keyring, name, getattr(store, name))
    return store


def test_the_password_comes_from_the_keyring_and_never_from_the_file(
    dirs: dict[str, str], memory_keyring: _MemoryKeyring
) -> None:
    server = config.ServerSettings(host="db1", database="trace", user="st4")
    path = config.save_connection_settings(config.ConnectionSettings("shared", server=server), dirs)
    assert config.save_password(server, "s3cret pass")
    assert memory_keyring.saved == {("traceapp", "st4@db1:5432/trace"): "s3cret pass"}
    assert "s3cret" not in path.read_text(encoding="utf-8")
    url = make_url(resolve_database(None, environ=dirs).url)
    assert (url.username, url.password, url.host, url.database) == (
        "st4",
        "s3cret pass",
        "db1",
        "trace",
    )
    config.forget_password(server)
    assert "s3cret" not in resolve_database(None, environ=dirs).url


def test_without_a_keyring_nothing_is_stored_and_the_url_has_no_password(
    dirs: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(config, "keyring_available", lambda: False)
    server = config.ServerSettings(host="db1", database="trace", user="st4")
    config.save_connection_settings(config.ConnectionSettings("shared", server=server), dirs)
    assert config.save_password(server, "s3cret pass") is False
    assert resolve_database(None, environ=dirs).url.startswith("postgresql+psycopg://st4@db1")


def test_this_headless_machine_has_no_keyring() -> None:
    # The fail backend (no Secret Service on D-Bus) must read as "no keyring", not as one.
    import keyring
    from keyring.backends import fail

    assert config.keyring_available() is not isinstance(keyring.get_keyring(), fail.Keyring)
