"""The one application-wide event filter: key presses to the wedge inputs, activity to the idle
watcher (issue 6: keep every GUI turn short).

Every event of every widget passes an application-wide filter; a filter written in Python costs
a call into Python per event (a page being built sends thousands: children added, polished,
laid out). The scan station, the Quality page and the Recall page each read scanner bursts
(`WedgeInput`) and the window watches for activity (`IdleWatcher`): as four filters that was
four calls per event. Here it is one, which looks at the event's type and passes key presses
and input on; and `paused()` takes it out while a page is built (no input is delivered during
that synchronous build, only the widgets' own events).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication
from shiboken6 import isValid

KeyFilter = Callable[[QObject, QEvent], bool]  # True: the key was taken
ActivityWatcher = Callable[[], None]

ACTIVITY = frozenset(
    {
        QEvent.Type.KeyPress,
        # A key a shortcut takes (F3, Alt+1) reaches the focus widget only as this: no KeyPress.
        QEvent.Type.ShortcutOverride,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TouchUpdate,
        QEvent.Type.TabletPress,
    }
)


class AppEvents(QObject):
    """Installed once on the QApplication (a child of it); see `app_events()`."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self._app = app
        self._keys: list[tuple[QObject, KeyFilter]] = []  # newest first, as Qt orders filters
        self._activity: list[tuple[QObject, ActivityWatcher]] = []
        self._paused = 0
        app.installEventFilter(self)

    def add_key_filter(self, owner: QObject, key_filter: KeyFilter) -> None:
        """`key_filter(watched, event)` sees each key press (newest filter first) until `owner`
        is destroyed or `remove(owner)`."""
        self._keys.insert(0, (owner, key_filter))

    def add_activity_watcher(self, owner: QObject, watcher: ActivityWatcher) -> None:
        """`watcher()` runs at each key press, click, mouse move, wheel or touch."""
        self._activity.append((owner, watcher))

    def remove(self, owner: QObject) -> None:
        self._keys = [(o, f) for o, f in self._keys if o is not owner]
        self._activity = [(o, w) for o, w in self._activity if o is not owner]

    def _forget_destroyed(self) -> None:
        """Drop the entries whose owner's C++ object is gone (checked at input, not through
        `destroyed`: a wrapper made for an object inside its destructor is not safe)."""
        self._keys = [(o, f) for o, f in self._keys if _alive(o)]
        self._activity = [(o, w) for o, w in self._activity if _alive(o)]

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Out of the event path for a synchronous stretch of GUI work (building a page)."""
        if self._paused == 0:
            self._app.removeEventFilter(self)
        self._paused += 1
        try:
            yield
        finally:
            self._paused -= 1
            if self._paused == 0:
                self._app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in ACTIVITY:
            return False
        if not all(_alive(owner) for owner, _ in (*self._activity, *self._keys)):
            self._forget_destroyed()
        for owner, watcher in tuple(self._activity):
            if _alive(owner):  # one of them may have closed a page that owned another
                watcher()
        if kind == QEvent.Type.KeyPress:
            for owner, key_filter in tuple(self._keys):
                if _alive(owner) and key_filter(watched, event):
                    return True
        return False


def _alive(owner: QObject) -> bool:
    return bool(isValid(owner))  # False once its C++ object is gone


def app_events() -> AppEvents:
    """The application's one filter, made on first use."""
    app = QApplication.instance()
    assert isinstance(app, QApplication), "app_events() needs the QApplication"
    found = app.findChild(AppEvents, "", Qt.FindChildOption.FindDirectChildrenOnly)
    if found is None:
        found = AppEvents(app)
    return found
