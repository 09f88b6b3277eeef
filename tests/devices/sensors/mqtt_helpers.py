"""For MQTT tests: the broker check, a publisher, and a TCP proxy that can cut the link."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import uuid
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from tests.conftest import require_service

BROKER = ("127.0.0.1", 1883)


def require_broker() -> None:
    try:
        socket.create_connection(BROKER, timeout=2).close()
    except OSError as exc:
        require_service("Mosquitto", str(exc))


def unique_site() -> str:
    """A site name of this test alone, so parallel runs on one broker don't see each other."""
    return f"t{uuid.uuid4().hex[:12]}"


class Publisher:
    """A plain paho client, as another program on the plant network would publish."""

    def __init__(self) -> None:
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2)
        self.client.connect(*BROKER)
        self.client.loop_start()

    def send(self, topic: str, payload: Any, *, raw: bool = False) -> None:
        body = payload if raw else json.dumps(payload)
        self.client.publish(topic, body, qos=1).wait_for_publish(timeout=5)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


class TcpProxy:
    """Forwards 127.0.0.1:<port> to the broker (or `target`); `cut()` drops every link and refuses new ones."""

    def __init__(self, target: tuple[str, int] = BROKER) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.open = threading.Event()
        self.open.set()
        self._links: list[socket.socket] = []
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.open.is_set():
                client.close()  # the broker is "down": the connection is refused at once
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._links += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, target):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.open.clear()
        with self._lock:
            links, self._links = self._links, []
        for link in links:
            with contextlib.suppress(OSError):
                link.shutdown(socket.SHUT_RDWR)
            link.close()

    def restore(self) -> None:
        self.open.set()

    def close(self) -> None:
        self._closed = True
        self.cut()
        self.listener.close()
