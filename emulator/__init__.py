"""The reference emulator: a faithful implementation of the contract, runnable as a
server (`python -m emulator`) or in-process (`start`)."""

from __future__ import annotations

from dataclasses import dataclass

from contract.terms import API_VERSION
from emulator.app import Emulator, create_app
from emulator.faults import build, catalog
from emulator.serving import RunningServer, serve_in_thread
from emulator.store import Account, Call, Store, new_sid
from emulator.variants import build_variants

__all__ = ["Account", "Emulator", "RunningEmulator", "Store", "catalog", "create_app", "start"]


@dataclass
class RunningEmulator:
    server: RunningServer
    accounts: tuple[Account, ...]
    store: Store
    faults: tuple[str, ...] = ()
    variants: tuple[str, ...] = ()  # emulator/variants.py

    @property
    def base_url(self) -> str:
        return f"{self.server.url}/api/laml/{API_VERSION}"

    def call_on(self, account: Account) -> str:
        """A call in progress on `account`, made in place (as a test fixture would): the
        suite's own account must not reach it."""
        call = Call(new_sid(), account.sid, "+15550100003", "+15550100004", "http://127.0.0.1:9/")
        self.store.add_call(call)
        return call.sid

    def stop(self) -> None:
        self.server.stop()


def start(
    accounts: int | tuple[Account, ...] = 2,
    faults: tuple[str, ...] = (),
    host: str = "127.0.0.1",
    port: int = 0,
    callback_delay: float = 0.0,
    signing_key: str | None = None,
    variants: tuple[str, ...] = (),
) -> RunningEmulator:
    """Serve the emulator on loopback in a thread; `accounts` are made up when a count.
    `callback_delay` makes every status callback that many seconds late. `signing_key`
    signs the first account's callbacks (by default, its own or one made up). `variants`
    answer otherwise where the contract is silent (emulator/variants.py)."""
    store = Store()
    if isinstance(accounts, int):
        made = tuple(store.add_account() for _ in range(accounts))
    else:
        made = tuple(store.add_account(a.sid, a.token, a.signing_key) for a in accounts)
    if signing_key and made:
        first = store.add_account(made[0].sid, made[0].token, signing_key)
        made = (first, *made[1:])
    behaviour = build(faults) + build_variants(variants)
    server = serve_in_thread(create_app(store, behaviour, callback_delay), host, port)
    return RunningEmulator(server, made, store, tuple(faults), tuple(variants))
