"""Where the database URL comes from: each source wins over the ones after it."""

from __future__ import annotations

from pathlib import Path

import pytest

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
