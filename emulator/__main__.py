"""`python -m emulator --port 8080 [--account SID:TOKEN] [--fault NAME] [--variant NAME]
[--call SID] [--capacity N]`; SIGNALWIRE_SIGNING_KEY, when set, signs the first account's
callbacks."""

from __future__ import annotations

import argparse
import difflib
import errno
import os
import socket
import sys
from collections.abc import Iterable

import uvicorn

from contract.terms import API_VERSION
from emulator.app import create_app
from emulator.faults import build, catalog
from emulator.store import CAPACITY, Call, Store
from emulator.variants import SUMMARIES, build_variants


def main(argv: list[str] | None = None) -> int:
    faults = catalog()
    parser = argparse.ArgumentParser(prog="python -m emulator", description=__doc__)
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="the address it listens on (default: %(default)s, loopback alone)",
    )
    parser.add_argument(
        "--port", type=int, default=8080, help="the port it listens on (default: %(default)s)"
    )
    parser.add_argument(
        "--account",
        action="append",
        default=[],
        metavar="SID:TOKEN",
        help="an account it accepts (repeatable); default: SIGNALWIRE_PROJECT_ID and "
        "SIGNALWIRE_API_TOKEN, or one made up and printed",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME",
        help="misbehave this way (repeatable; --list-faults lists the names)",
    )
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="NAME",
        help="answer otherwise where the contract is silent, this way (repeatable; "
        "--list-variants lists the names)",
    )
    parser.add_argument(
        "--call",
        action="append",
        default=[],
        metavar="SID",
        help="an in-progress call of the first account, with this SID (repeatable): "
        "what a curl line from the suite's evidence of an embedded run records on",
    )
    parser.add_argument(
        "--capacity",
        type=int,
        default=CAPACITY,
        metavar="N",
        help="calls kept, and as many recordings; past it the oldest ended go first "
        "(default: %(default)s)",
    )
    parser.add_argument("--list-faults", action="store_true", help="list the faults and exit")
    parser.add_argument("--list-variants", action="store_true", help="list the variants and exit")
    args = parser.parse_args(argv)
    if args.capacity < 1:
        parser.error("--capacity must be at least 1")
    if not all(args.call):
        parser.error("--call takes a SID")
    unknown = [f for f in args.fault if f not in faults]
    if unknown:
        near = difflib.get_close_matches(unknown[0], faults, n=3)
        hint = f"did you mean {', '.join(near)}? " if near else ""
        parser.error(f"--fault {unknown[0]!r}: no such fault; {hint}--list-faults lists them")
    odd = [v for v in args.variant if v not in SUMMARIES]
    if odd:
        near = difflib.get_close_matches(odd[0], SUMMARIES, n=3)
        hint = f"did you mean {', '.join(near)}? " if near else ""
        parser.error(f"--variant {odd[0]!r}: no such variant; {hint}--list-variants lists them")
    if args.list_faults:
        return _list(f"{name:32} {f.clause:40} {f.summary}" for name, f in sorted(faults.items()))
    if args.list_variants:
        return _list(f"{name:32} {summary}" for name, summary in sorted(SUMMARIES.items()))
    pairs = [a.partition(":") for a in args.account]
    if any(not sid or not token for sid, _, token in pairs):
        parser.error("--account takes SID:TOKEN")
    try:  # bound before it prints anything: a busy port is one line, not uvicorn's
        listening = _bind(args.host, args.port)
    except OSError as exc:
        why = "in use" if exc.errno == errno.EADDRINUSE else exc.strerror or str(exc)
        print(
            f"python -m emulator: cannot listen on {args.host}:{args.port}: {why}", file=sys.stderr
        )
        return 4
    store = Store(capacity=args.capacity)
    env_sid, env_token = (
        os.environ.get("SIGNALWIRE_PROJECT_ID"),
        os.environ.get("SIGNALWIRE_API_TOKEN"),
    )
    if not pairs and env_sid and env_token:
        pairs = [(env_sid, ":", env_token)]
    # The key that signs the first account's status callbacks; from the environment only,
    # like the token, so that it stays out of the shell's history and the process list.
    key = os.environ.get("SIGNALWIRE_SIGNING_KEY") or None
    for i, (sid, _, token) in enumerate(pairs):
        store.add_account(sid, token, key if i == 0 else None)
    if not pairs:
        made = store.add_account(signing_key=key)
        # A throwaway credential of this emulator alone: printing it is the point.
        print(f"account: SIGNALWIRE_PROJECT_ID={made.sid} SIGNALWIRE_API_TOKEN={made.token}")
    owner = next(iter(store.accounts))
    if not key:  # made up: the same throwaway kind
        print(f"signing key: SIGNALWIRE_SIGNING_KEY={store.accounts[owner].signing_key}")
    for sid in args.call:
        store.add_call(Call(sid, owner, "", "", ""))
    print(f"base URL: http://{args.host}:{args.port}/api/laml/{API_VERSION}", flush=True)
    behaviour = build(args.fault) + build_variants(args.variant)
    config = uvicorn.Config(create_app(store, behaviour), log_level="warning")
    uvicorn.Server(config).run(sockets=[listening])
    return 0


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listening = socket.socket(family, socket.SOCK_STREAM)
    try:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind((host, port))
    except OSError:
        listening.close()
        raise
    listening.set_inheritable(True)
    return listening


def _list(lines: Iterable[str]) -> int:
    """One line a fault or variant; a reader that stops early (`| head`) ends the listing
    quietly."""
    try:
        for line in lines:
            print(line)
        sys.stdout.flush()
    except BrokenPipeError:
        # Python would report the pipe again as it flushes stdout on exit: point it nowhere.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main())
