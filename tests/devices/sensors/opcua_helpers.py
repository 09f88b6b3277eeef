"""For OPC UA tests: an asyncua server in a thread of its own, on a port the system picks."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from asyncua import Server


class ServerThread:
    """An asyncua server with one object `oven3` holding `temp` (double) and `state` (string)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.port = 0
        self._call(self._start())

    def _call(self, work: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout=30)

    async def _start(self) -> None:
        self.server = Server()
        await self.server.init()
        self.server.set_endpoint("opc.tcp://127.0.0.1:0/")
        index = await self.server.register_namespace("urn:traceapp:test")
        oven = await self.server.nodes.objects.add_object(index, "oven3")
        self.temp = await oven.add_variable(index, "temp", 20.0)
        self.text = await oven.add_variable(index, "state", "idle")
        await self.server.start()
        sockets = self.server.bserver._server.sockets  # the port the system chose
        self.port = sockets[0].getsockname()[1]

    def write(self, node: Any, value: Any) -> None:
        self._call(node.write_value(value))

    def close(self) -> None:
        self._call(self.server.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()
