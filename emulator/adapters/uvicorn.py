"""uvicorn's Server, stopping in 10 ms rather than 100 ms.

uvicorn has no public way to set how often its main loop looks for the exit flag, nor
how often a shutdown looks for drained connections (both 100 ms, hard-coded). So this
subclass re-implements `main_loop` and `shutdown` on what they use: `on_tick`,
`servers`, `server_state.connections` and `.tasks`, `lifespan`, `force_exit` and
`config.timeout_graceful_shutdown`. tests/test_adapters.py asserts each of them, and
pyproject.toml bounds uvicorn below 1.0."""

from __future__ import annotations

import asyncio
import socket

import uvicorn

# What the subclass relies on, named once for the test that checks upstream still has it.
SERVER_METHODS = {
    "main_loop": ["self"],
    "shutdown": ["self", "sockets"],
    "on_tick": ["self", "counter"],
}
RUNNING_ATTRIBUTES = ("servers", "server_state", "lifespan", "force_exit", "should_exit", "started")


class FastStoppingServer(uvicorn.Server):
    """uvicorn's, looking for its exit flag every 10 ms instead of every 100 ms: a run
    stops two servers (the embedded emulator, the callback receiver), and the kill
    matrix runs the suite once per fault."""

    async def main_loop(self) -> None:
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 1) % 8_640_000
            await asyncio.sleep(0.01)
            # on_tick refreshes the Date header when counter % 10 == 0: ten times a second.
            should_exit = await self.on_tick(counter)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """uvicorn's, its waits polled every 10 ms: it pauses 100 ms after asking the
        connections to close, then looks every 100 ms until they and their tasks are
        done, which made every stop take at least 100 ms with nothing in flight."""
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        # An idle keep-alive connection closes now; one mid-response after its answer.
        for connection in list(self.server_state.connections):
            connection.shutdown()
        try:
            await asyncio.wait_for(self._drained(), timeout=self.config.timeout_graceful_shutdown)
        except TimeoutError:
            for task in self.server_state.tasks:
                task.cancel(msg="Task cancelled, timeout graceful shutdown exceeded")
        if not self.force_exit:
            await self.lifespan.shutdown()

    async def _drained(self) -> None:
        state = self.server_state
        while (state.connections or state.tasks) and not self.force_exit:
            await asyncio.sleep(0.01)
        for server in self.servers:
            await server.wait_closed()
