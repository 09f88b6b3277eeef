"""The main window: sign-in first, then the pages the signed-in role may use, one key each.

Left: the navigation (large entries with their F-key, lock, sign out, theme). Centre: the page.
Bottom: the status bar (user, station, database, scanner, long work with Cancel). Window
geometry, the last page and the theme live in QSettings (injectable, so tests never touch the
person's own settings); an idle station locks itself after `security/idle_lock_minutes`.

A page may come as a `LazyPage`: its navigation entry (title, key, who sees it) without its
widget, which the window builds the first time the page comes to the front (or `page()` asks
for it). Its module, and what that imports (pyqtgraph, reportlab), then loads only when
someone opens the page, not before the first window is shown.

With `prepare_pages` (the app's window has it: `application.build_window`) the window prepares
those pages so that no key waits for them: their modules are imported in a worker thread
(`page_preparer`) while the sign-in screen waits for the person; after sign-in, each time
nobody has touched the station for `PREPARE_IDLE_MS`, one page is built on the GUI thread
(hidden) and put in its place a turn later; then a built page's `build_ahead()` (if it has one)
builds one more of its parts per idle turn (the Quality page's tabs).
"""

from __future__ import annotations

import gc
import html
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QSettings, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.ids import LocationId
from traceapp.domain.permissions import Role
from traceapp.services import catalog, users
from traceapp.services.catalog import LocationInfo
from traceapp.ui.app_events import app_events
from traceapp.ui.connection_dialog import connection_button
from traceapp.ui.context import StationContext
from traceapp.ui.icons import NAV_ICON_SIZE, NAV_ICONS, decorate, nav_icon_name
from traceapp.ui.idle_lock import IDLE_SETTING, IdleWatcher, idle_timeout_ms
from traceapp.ui.page_preparer import ModuleWarmer
from traceapp.ui.signin import FirstAdminScreen, SignInScreen
from traceapp.ui.station_picker import LAST_STATION_KEY, STATION_KEY, StationPicker
from traceapp.ui.status_bar import StationStatusBar, role_label
from traceapp.ui.theme import THEME_PROPERTY, Restyler, Theme, apply_theme, palette, stylesheet

GEOMETRY_KEY = "main_window/geometry"
STATE_KEY = "main_window/state"
LAST_PAGE_KEY = "main_window/last_page"
THEME_KEY = "ui/theme"
# The start-up benchmark (benchmarks/gui_startup.py) sets these: the window appends "shown <t>"
# when it is first shown and "ready <t>" when the sign-in screen takes input (wall-clock
# seconds), and with the second one set it closes itself once ready.
STARTUP_MARKER_ENV = "TRACEAPP_STARTUP_MARKER_FILE"
QUIT_WHEN_READY_ENV = "TRACEAPP_QUIT_WHEN_READY"

LOCK_KEY = "Ctrl+L"
SIGN_OUT_KEY = "Ctrl+Shift+O"
QUIT_KEY = "Ctrl+Q"
THEME_TOGGLE_KEY = "Ctrl+Shift+T"
CANCEL_KEY = "Ctrl+."
HELP_KEY = "F1"
PREPARE_START_MS = 300  # after sign-in: the workspace is painted first
PREPARE_IDLE_MS = 800  # a page is built ahead only after this long without a key or click
# The pages' titles, for the translation tools (scripts/translations.sh): the navigation shows
# them translated; the English title stays the key (nav_buttons, page(), QSettings).
NAV_WORDS = (
    QT_TRANSLATE_NOOP("Navigation", "Scan station"),
    QT_TRANSLATE_NOOP("Navigation", "Lots & genealogy"),
    QT_TRANSLATE_NOOP("Navigation", "Quality"),
    QT_TRANSLATE_NOOP("Navigation", "Live monitor"),
    QT_TRANSLATE_NOOP("Navigation", "Recall & reports"),
    QT_TRANSLATE_NOOP("Navigation", "Admin"),
)


def freeze_heap() -> None:
    """Move every object alive now out of the garbage collector's reach, so that no full
    collection walks them again: Python starts one by itself now and then (211 ms in the first
    paint's turn, seen), and the Live monitor's `freeze_garbage` ran one on its first F5 (~150
    ms). Only the young generations are collected first (a few ms; a full collection here would
    be the stall this avoids): cycles already old stay, frozen. For the app's own process only:
    in a test process it would also freeze the windows of earlier tests that still wait for
    their collection."""
    gc.collect(1)
    gc.freeze()


def _key_text(key: str) -> str:
    """A shortcut as the keyboard in front of the person labels it (Strg on a German one)."""
    ctrl, shift = (
        QCoreApplication.translate("Navigation", "Ctrl"),
        QCoreApplication.translate("Navigation", "Shift"),
    )
    return key.replace("Ctrl", ctrl).replace("Shift", shift)


@dataclass(frozen=True, eq=False)
class LazyPage:
    """A page's navigation entry whose widget is built on first use (`build()`).

    `roles` answers the page's `visible_to` without importing the page's module. A page built
    while someone is signed in has missed the context's `signed_in`: it must read
    `context.actor` when it is built or shown (the standard pages do)."""

    page_title: str
    page_shortcut: str
    roles: Callable[[Role], bool]
    build: Callable[[], QWidget]
    page_icon: str | None = None
    # Imported in a worker thread after sign-in (the page's module: what `build` imports).
    modules: tuple[str, ...] = ()
    # Built ahead while the station is idle; False for a page whose building starts work.
    prepare: bool = True

    def visible_to(self, role: Role) -> bool:
        return self.roles(role)


PageEntry = QWidget | LazyPage


def _page_title(page: PageEntry) -> str:
    return str(getattr(page, "page_title", type(page).__name__))


def _page_shortcut(page: PageEntry) -> str:
    return str(getattr(page, "page_shortcut", ""))


class MainWindow(QMainWindow):
    def __init__(
        self,
        context: StationContext,
        pages: Sequence[PageEntry] = (),
        settings: QSettings | None = None,
        *,
        idle_timeout: int | None = None,
        prepare_pages: bool = False,
        freeze_heap: bool = False,
    ) -> None:
        """`pages` satisfy `traceapp.ui.context.Page`, or are `LazyPage`s built on first use;
        `idle_timeout` (ms) overrides QSettings; `freeze_heap` (the app's own process, never a
        test's) freezes the garbage collector's objects once the pages' modules are imported
        (`freeze_heap` below); `prepare_pages` builds them ahead after
        sign-in, while the person is idle (see the module's doc)."""
        super().__init__()
        self.context = context
        self.setWindowTitle("TraceApp")
        self._settings = settings if settings is not None else QSettings("TraceApp", "TraceApp")
        self._first_shown = False
        # In navigation order; a LazyPage is replaced by its widget once built.
        self._entries: list[PageEntry] = list(pages)

        self.sign_in_screen = SignInScreen(context)
        self.first_admin_screen = FirstAdminScreen(context)
        self.sign_in_screen.signed_in.connect(context.sign_in)
        self.first_admin_screen.signed_in.connect(context.sign_in)
        self.first_admin_screen.already_set_up.connect(self.show_sign_in)

        self.page_stack = QStackedWidget()
        self.page_stack.setObjectName("pageStack")
        self.no_pages = QLabel()
        self.no_pages.setObjectName("infoText")
        self.no_pages.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.no_pages.setWordWrap(True)
        self.page_stack.addWidget(self.no_pages)
        for entry in self._entries:
            if isinstance(entry, QWidget):
                self.page_stack.addWidget(entry)

        self.navigation = QWidget()
        self.navigation.setObjectName("navigation")
        self.navigation.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        # Never narrower than its entries: a wide page (long German step names) scrolls instead.
        self.navigation.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Preferred)
        nav = QVBoxLayout(self.navigation)
        nav.setContentsMargins(10, 12, 10, 12)
        nav.setSpacing(6)
        self.nav_user = QLabel()
        self.nav_user.setObjectName("navUser")
        self.nav_user.setTextFormat(Qt.TextFormat.PlainText)
        self.nav_user.setWordWrap(True)
        nav.addWidget(self.nav_user)
        self._nav_group = QButtonGroup(self)
        self._nav_group.setExclusive(True)
        self.nav_buttons: dict[str, QPushButton] = {}
        for page in self._entries:
            key = _page_shortcut(page)
            # "&" would make the next letter a mnemonic: "Lots & genealogy" keeps its "&".
            shown = QCoreApplication.translate("Navigation", _page_title(page))
            label = shown.replace("&", "&&")
            button = QPushButton(f"{label}\n{key}".strip())
            button.setObjectName("navEntry")
            button.setCheckable(True)
            title = _page_title(page)
            if isinstance(page, LazyPage):
                decorate(button, page.page_icon or NAV_ICONS.get(title))
            else:
                decorate(button, nav_icon_name(page, title))
            button.setIconSize(NAV_ICON_SIZE)
            button.setToolTip(f"{shown} ({key})" if key else shown)
            button.clicked.connect(lambda _checked=False, t=title: self._show_titled(t))
            self._nav_group.addButton(button)
            self.nav_buttons[_page_title(page)] = button
            nav.addWidget(button)
        nav.addStretch(1)
        self.connection_button = connection_button(self, context)  # administrators only
        nav.addWidget(self.connection_button)
        lock = QCoreApplication.translate("Navigation", "Lock")
        self.lock_button = QPushButton(f"{lock}\n{_key_text(LOCK_KEY)}")
        self.lock_button.setObjectName("lockButton")
        self.lock_button.clicked.connect(self.lock)
        sign_out = QCoreApplication.translate("Navigation", "Sign out")
        self.sign_out_button = QPushButton(f"{sign_out}\n{_key_text(SIGN_OUT_KEY)}")
        self.sign_out_button.setObjectName("signOutButton")
        self.sign_out_button.clicked.connect(self.sign_out)
        self.theme_button = QPushButton()
        self.theme_button.setObjectName("themeButton")
        self.theme_button.clicked.connect(self.toggle_theme)
        for button, icon in (
            (self.lock_button, "lock"),
            (self.sign_out_button, "sign-out"),
            (self.theme_button, "theme"),
        ):
            decorate(button, icon)
            nav.addWidget(button)

        self.workspace = QWidget()
        work_layout = QHBoxLayout(self.workspace)
        work_layout.setContentsMargins(0, 0, 0, 0)
        work_layout.setSpacing(0)
        work_layout.addWidget(self.navigation)
        work_layout.addWidget(self.page_stack, 1)

        self.screens = QStackedWidget()
        for screen in (self.sign_in_screen, self.first_admin_screen, self.workspace):
            self.screens.addWidget(screen)
        self.setCentralWidget(self.screens)

        self.status = StationStatusBar(context)
        self.setStatusBar(self.status)

        self._shortcuts: list[QShortcut] = []
        for page in self._entries:
            if _page_shortcut(page):
                title = _page_title(page)
                self._shortcut(_page_shortcut(page), lambda t=title: self._on_page_key(t))
        self._shortcut(LOCK_KEY, self.lock)
        self._shortcut(SIGN_OUT_KEY, self.sign_out)
        self._shortcut(QUIT_KEY, self.close)
        self._shortcut(THEME_TOGGLE_KEY, self.toggle_theme)
        self._shortcut(CANCEL_KEY, self.status.cancel_current)
        self._shortcut(HELP_KEY, self.show_shortcuts)
        self._shortcut(STATION_KEY, self.choose_station)
        self.status.station.clicked.connect(self.choose_station)
        self.station_picker: StationPicker | None = None

        minutes = self._settings.value(IDLE_SETTING)
        timeout = idle_timeout if idle_timeout is not None else idle_timeout_ms(minutes)
        self.idle = IdleWatcher(timeout, self)
        self.idle.idle.connect(self.lock)
        self.prepare_pages = prepare_pages
        self.freeze_heap = freeze_heap
        self.warmer = ModuleWarmer(self)
        self.warmer.finished.connect(self._on_warmed)
        self._built_ahead: list[QWidget] = []  # pages whose `build_ahead` has nothing left
        self._prepare_timer = QTimer(self)
        self._prepare_timer.setSingleShot(True)
        self._prepare_timer.timeout.connect(self._prepare_next)

        context.signed_in.connect(self._on_signed_in)
        context.signed_out.connect(self._on_signed_out)
        context.locked.connect(self._on_locked)

        self.theme = Theme.LIGHT
        self.restyler = Restyler(self)
        saved_theme = str(self._settings.value(THEME_KEY, Theme.LIGHT.value))
        self.set_theme(Theme(saved_theme) if saved_theme in tuple(Theme) else Theme.LIGHT)

        self.setMinimumSize(640, 480)  # a 1366 x 768 panel at 200 % is 683 x 384 logical
        geometry = self._settings.value(GEOMETRY_KEY)
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        state = self._settings.value(STATE_KEY)
        if state is not None:
            self.restoreState(state)

        self.screens.setCurrentWidget(self.sign_in_screen)
        self.sign_in_screen.show_opening()
        station = context.station_code

        def opening(uow: UnitOfWork) -> tuple[bool, bool]:
            known = station is None or any(
                location.code == station for location in catalog.list_locations(uow)
            )
            return users.admin_needs_password(uow), known

        context.run_unsigned(opening, self._on_first_check, self._on_open_failed)

    # -- pages -------------------------------------------------------------------------------

    @property
    def pages(self) -> tuple[QWidget, ...]:
        """The pages built so far (a LazyPage not yet opened is not among them)."""
        return tuple(entry for entry in self._entries if isinstance(entry, QWidget))

    @property
    def current_page(self) -> QWidget | None:
        widget = self.page_stack.currentWidget()
        return widget if widget in self.pages else None

    def page(self, title: str) -> QWidget:
        """The page with this title, built now if it was not yet."""
        for index, entry in enumerate(self._entries):
            if _page_title(entry) == title:
                return self._built(index)
        raise KeyError(title)

    def is_built(self, title: str) -> bool:
        return any(
            isinstance(entry, QWidget) and _page_title(entry) == title for entry in self._entries
        )

    def _built(self, index: int) -> QWidget:
        entry = self._entries[index]
        if isinstance(entry, QWidget):
            self._adopt(entry)
            return entry
        if self.warmer.running:
            self.warmer.hurry()  # its modules may be the ones being imported
        with app_events().paused():  # thousands of the new widgets' own events: no filter
            widget = entry.build()
            self._entries[index] = widget
            self.page_stack.addWidget(widget)
        return widget

    def _adopt(self, widget: QWidget) -> None:
        """A page built ahead goes into the stack (a turn after it was built)."""
        if self.page_stack.indexOf(widget) < 0:
            with app_events().paused():
                self.page_stack.addWidget(widget)

    # -- pages built ahead -------------------------------------------------------------------

    def _start_warming(self) -> None:
        """While the sign-in screen waits for the person (seconds of typing), import every
        lazy page's modules in the worker thread: a page key pressed soon after sign-in then
        finds them loaded instead of waiting on the import lock (1.4 s seen at load 5)."""
        self.warmer.start(
            [
                name
                for entry in self._entries
                if isinstance(entry, LazyPage)
                for name in entry.modules
            ]
        )

    def _start_preparing(self) -> None:
        if not self.prepare_pages or self.context.actor is None:
            return
        modules = [
            name
            for entry in self._visible_entries()
            if isinstance(entry, LazyPage)
            for name in entry.modules
        ]
        self.warmer.start(modules)  # `finished` -> _prepare_next

    def _on_warmed(self) -> None:
        """The pages' modules are imported: with `freeze_heap`, move what is alive now out of
        the garbage collector's reach (`freeze_heap`)."""
        if self.freeze_heap:
            freeze_heap()
        self._prepare_next()

    def _prepare_next(self) -> None:
        """Build the next page the person may open (or the next part of a built one: its
        `build_ahead()`), once nobody has touched the station for PREPARE_IDLE_MS; one per
        turn, a page put in place the turn after."""
        if (
            not self.prepare_pages
            or self.context.actor is None
            or self.screens.currentWidget() is not self.workspace
            or self.warmer.running
        ):
            return
        entries = self._visible_entries()
        index = next(
            (
                self._entries.index(entry)
                for entry in entries
                if isinstance(entry, LazyPage) and entry.prepare
            ),
            None,
        )
        more = [
            entry
            for entry in entries
            if isinstance(entry, QWidget)
            and entry not in self._built_ahead
            and callable(getattr(entry, "build_ahead", None))
        ]
        if index is None and not more:
            return
        quiet = self.idle.quiet_ms()
        if quiet < PREPARE_IDLE_MS:
            self._prepare_timer.start(int(PREPARE_IDLE_MS - quiet) + 1)
            return
        if index is not None:
            entry = self._entries[index]
            assert isinstance(entry, LazyPage)
            with app_events().paused():
                widget = entry.build()
            self._entries[index] = widget
            QTimer.singleShot(0, self, lambda: self._adopt(widget))
        else:
            page = more[0]
            with app_events().paused():
                if not page.build_ahead():  # type: ignore[attr-defined]
                    self._built_ahead.append(page)  # nothing left: the next one at once
                    QTimer.singleShot(0, self, self._prepare_next)
                    return
        self._prepare_timer.start(PREPARE_IDLE_MS // 4)  # the next one, if still idle

    def visible_pages(self) -> tuple[QWidget, ...]:
        """The pages the signed-in person may open (built now where they were not yet)."""
        return tuple(self.page(_page_title(entry)) for entry in self._visible_entries())

    def _visible_entries(self) -> tuple[PageEntry, ...]:
        actor = self.context.actor
        if actor is None:
            return ()
        return tuple(entry for entry in self._entries if self._visible(entry, actor))

    def _show_titled(self, title: str) -> None:
        actor = self.context.actor
        entry = next(e for e in self._entries if _page_title(e) == title)
        if actor is None or not self._visible(entry, actor):
            return
        self.show_page(self.page(title))

    def show_page(self, page: QWidget) -> None:
        actor = self.context.actor
        if actor is None or not self._visible(page, actor):
            return
        self.page_stack.setCurrentWidget(page)
        self.nav_buttons[_page_title(page)].setChecked(True)
        self._settings.setValue(LAST_PAGE_KEY, _page_title(page))
        activated = getattr(page, "page_activated", None)
        if callable(activated):
            activated()
        self._focus_page(page)

    def _on_page_key(self, title: str) -> None:
        if self.screens.currentWidget() is self.workspace:
            self._show_titled(title)

    @staticmethod
    def _visible(page: PageEntry, actor: Actor) -> bool:
        visible_to = getattr(page, "visible_to", None)
        return bool(visible_to(actor.role)) if callable(visible_to) else True

    def _focus_page(self, page: QWidget) -> None:
        """Give the keyboard to the page: its focus proxy, the child it last had, or its first
        field, so a scan never lands in the navigation."""
        target = page.focusProxy() or page.focusWidget()
        if target is None or not target.isVisible():
            widget = page.nextInFocusChain()
            while widget is not page and widget is not None:
                if (
                    page.isAncestorOf(widget)
                    and widget.isVisible()
                    and widget.isEnabled()
                    and widget.focusPolicy() & Qt.FocusPolicy.TabFocus
                ):
                    target = widget
                    break
                widget = widget.nextInFocusChain()
        if target is not None:
            target.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- signing in and out ------------------------------------------------------------------

    def _on_first_check(self, answer: tuple[bool, bool]) -> None:
        needs_admin, station_known = answer
        if needs_admin:
            self.screens.setCurrentWidget(self.first_admin_screen)
            self.first_admin_screen.show_ready()
        else:
            self.show_sign_in()
        if not station_known:
            screen = self.first_admin_screen if needs_admin else self.sign_in_screen
            screen.show_error(
                f"This database has no station {self.context.station_code!r}, so nobody can "
                f"sign in at it.\nChoose one of its stations ({_key_text(STATION_KEY)}, or "
                "click the station in the status bar)."
            )
            self.choose_station()
        self._startup_mark("ready")
        if self.prepare_pages:
            QTimer.singleShot(PREPARE_START_MS, self, self._start_warming)

    def show_sign_in(self, message: str = "") -> None:
        self.screens.setCurrentWidget(self.sign_in_screen)
        self.sign_in_screen.show_ready()
        if message:
            self.sign_in_screen.show_error(message)

    def _on_open_failed(self, error: BaseException, details: str) -> None:
        self.sign_in_screen.show_open_failed(error, details)
        self._startup_mark("ready")

    def _on_signed_in(self, actor: Actor) -> None:
        visible = [entry for entry in self._entries if self._visible(entry, actor)]
        for entry in self._entries:
            self.nav_buttons[_page_title(entry)].setVisible(entry in visible)
        self.nav_user.setText(f"{actor.username}\n{role_label(actor.role)}")
        self.screens.setCurrentWidget(self.workspace)
        if not visible:
            self.no_pages.setText(
                f"No page of this workstation is open to the role {role_label(actor.role)}."
            )
            self.page_stack.setCurrentWidget(self.no_pages)
        else:
            current = self.current_page
            last = str(self._settings.value(LAST_PAGE_KEY, ""))
            chosen = (
                current
                if current is not None and current in visible
                else next((p for p in visible if _page_title(p) == last), visible[0])
            )
            self._show_titled(_page_title(chosen))
        self.idle.start()
        if self.prepare_pages:
            QTimer.singleShot(PREPARE_START_MS, self, self._start_preparing)

    def _close_dialogs(self) -> None:
        """Nothing of the last person's stays on top of the sign-in screen."""
        for dialog in self.findChildren(QDialog):
            if dialog.isVisible():
                dialog.reject()

    def _on_signed_out(self) -> None:
        self._close_dialogs()
        self.idle.stop()
        self.screens.setCurrentWidget(self.sign_in_screen)
        self.sign_in_screen.show_ready()

    def _on_locked(self) -> None:
        self._close_dialogs()
        self.idle.stop()
        self.screens.setCurrentWidget(self.sign_in_screen)
        self.sign_in_screen.show_ready(locked_for=self.context.locked_for)

    def lock(self) -> None:
        """Lock now (Ctrl+L, or the idle timer): pages hidden, their work kept."""
        self.context.lock()

    def sign_out(self) -> None:
        if self.context.actor is not None:
            self.context.sign_out()

    # -- station -----------------------------------------------------------------------------

    def choose_station(self) -> None:
        """Open the station picker (Ctrl+Shift+S, or a click on the station in the status bar)."""
        if self.station_picker is None:
            self.station_picker = StationPicker(self.context, self)
            self.station_picker.chosen.connect(self._on_station_chosen)
            self.station_picker.finished.connect(self._on_station_picker_closed)
        self.station_picker.load()
        self.station_picker.open()  # not exec(): the window keeps running behind it
        self.station_picker.activateWindow()  # the keyboard goes to its filter at once

    def _on_station_picker_closed(self) -> None:
        # The keyboard goes back to the window (its shortcuts work again) and to the field a
        # scan belongs in.
        self.activateWindow()
        screen = self.screens.currentWidget()
        if screen is self.sign_in_screen and self.sign_in_screen.identity.isEnabled():
            focus = self.sign_in_screen.identity
            focus.setFocus(Qt.FocusReason.OtherFocusReason)
        elif screen is self.workspace and self.current_page is not None:
            self._focus_page(self.current_page)

    def _on_station_chosen(self, station: LocationInfo) -> None:
        self.context.set_station(station.code, LocationId(station.id))
        self._settings.setValue(LAST_STATION_KEY, station.code)
        screen = self.screens.currentWidget()
        if screen is self.sign_in_screen and self.sign_in_screen.identity.isEnabled():
            # The sign-in screen names the station: show the new one, without an error about
            # the old one (a locked session's user stays prefilled).
            self.sign_in_screen.show_ready(locked_for=self.context.locked_for)
        elif screen is self.first_admin_screen:
            self.first_admin_screen.show_ready()

    # -- look --------------------------------------------------------------------------------

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        app = QApplication.instance()
        if isinstance(app, QApplication):
            # Polished widgets keep what their last polish gave them, so a switch re-polishes
            # them (a slice per event-loop turn; the palette is new at once). Not when the
            # stylesheet is set now, which re-polishes every widget itself (the window's first
            # theme: 244 widgets were re-polished again, in the first paint's turn), nor when
            # neither the palette nor the window's theme property changes.
            stale = app.styleSheet() == stylesheet() and (
                app.palette() != palette(theme) or self.property(THEME_PROPERTY) != theme.value
            )
            self.setProperty(THEME_PROPERTY, theme.value)  # before the stylesheet's polish
            apply_theme(app, theme)
            if stale:
                self.restyler.restyle()
        other = (
            QCoreApplication.translate("Navigation", "Dark theme")
            if theme is Theme.LIGHT
            else QCoreApplication.translate("Navigation", "Light theme")
        )
        self.theme_button.setText(f"{other}\n{_key_text(THEME_TOGGLE_KEY)}")
        self._settings.setValue(THEME_KEY, theme.value)

    def toggle_theme(self) -> None:
        self.set_theme(self.theme.toggled())

    def set_scanner_state(self, text: str, ok: bool) -> None:
        self.context.set_scanner_state(text, ok)

    def shortcut_lines(self) -> list[str]:
        lines = [f"{_page_shortcut(p)}\t{_page_title(p)}" for p in self._visible_entries()]
        lines += [
            f"{LOCK_KEY}\tLock the station",
            f"{SIGN_OUT_KEY}\tSign out",
            f"{THEME_TOGGLE_KEY}\tLight or dark theme",
            f"{STATION_KEY}\tChoose this workstation's station",
            f"{CANCEL_KEY}\tCancel the long work shown in the status bar",
            f"{QUIT_KEY}\tQuit",
            f"{HELP_KEY}\tThis list",
        ]
        return lines

    def show_shortcuts(self) -> None:
        box = QMessageBox(self)
        box.setWindowTitle("Keyboard shortcuts")
        # Two aligned columns (tab stops left "Ctrl+Shift+O" out of line); page titles are
        # the app's own words, escaped all the same.
        rows = "".join(
            f"<tr><td style='padding-right: 24px'><b>{html.escape(key)}</b></td>"
            f"<td>{html.escape(what)}</td></tr>"
            for key, what in (line.split("\t", 1) for line in self.shortcut_lines())
        )
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setText(f"<table>{rows}</table>")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        # The keyboard comes back to the window (its shortcuts work again), also where no
        # window manager hands it back.
        box.finished.connect(lambda _result: self.activateWindow())
        box.open()  # not exec(): the window keeps running behind it

    def _shortcut(self, key: str, slot: object) -> None:
        shortcut = QShortcut(QKeySequence(key), self)
        shortcut.activated.connect(slot)
        self._shortcuts.append(shortcut)

    # -- window ------------------------------------------------------------------------------

    def _startup_mark(self, what: str) -> None:
        marker = os.environ.get(STARTUP_MARKER_ENV)
        if not marker:
            return
        with Path(marker).open("a", encoding="utf-8") as out:
            out.write(f"{what} {time.time():.6f}\n")
        if what == "ready" and os.environ.get(QUIT_WHEN_READY_ENV):
            QTimer.singleShot(0, self.close)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._first_shown:
            self._first_shown = True
            self._startup_mark("shown")

    def closeEvent(self, event: QCloseEvent) -> None:
        self._settings.setValue(GEOMETRY_KEY, self.saveGeometry())
        self._settings.setValue(STATE_KEY, self.saveState())
        self._settings.sync()
        self.idle.uninstall()
        self.warmer.stop()
        self.context.background.wait(5_000)
        super().closeEvent(event)
