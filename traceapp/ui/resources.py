"""Find the files shipped in traceapp.resources, from a source tree or an installed wheel."""

from __future__ import annotations

from importlib.resources import as_file, files

from PySide6.QtCore import QCoreApplication, QLocale, QTranslator
from PySide6.QtGui import QIcon

from traceapp.config import load_settings, settings_path
from traceapp.domain.errors import InvalidInput

UI_SECTION = "ui"  # settings.toml: [ui] language = "de"
TRANSLATION_PREFIX = "traceapp"  # resources/translations/traceapp_de.qm


def app_icon() -> QIcon:
    resource = files("traceapp.resources").joinpath("icons/traceapp.svg")
    with as_file(resource) as path:
        return QIcon(str(path))


def configured_language() -> str | None:
    """`[ui] language` of the settings file ("de", "en", ...), or None to follow the system."""
    path = settings_path()
    section = load_settings(path).get(UI_SECTION)
    if not isinstance(section, dict) or "language" not in section:
        return None
    language = section["language"]
    if not isinstance(language, str) or not language.strip():
        raise InvalidInput(
            f"In the settings file {path}, [ui] language must be a language code.",
            hint='Write e.g. language = "de" for German or "en" for English.',
        )
    return language.strip()


def install_translator(language: str | None = None) -> QTranslator | None:
    """Load the shipped translation for `language` (else the system's languages) into the
    running application; None when there is none (English is the source text)."""
    app = QCoreApplication.instance()
    if app is None:
        return None
    locale = QLocale(language) if language else QLocale.system()
    translator = QTranslator(app)
    folder = files("traceapp.resources").joinpath("translations")
    with as_file(folder) as path:
        # QTranslator tries traceapp_de_DE.qm, traceapp_de.qm, ... for each UI language.
        if not translator.load(locale, TRANSLATION_PREFIX, "_", str(path)):
            return None
    QCoreApplication.installTranslator(translator)
    return translator


def remove_translator(translator: QTranslator | None) -> None:
    if translator is not None:
        QCoreApplication.removeTranslator(translator)
