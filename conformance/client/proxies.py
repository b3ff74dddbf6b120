"""Which proxy the suite's requests go through, chosen once per run and said in its
first lines. None to loopback, ever: the embedded emulator, a target on this machine
and the callback receiver are reached directly, whatever the environment says. A
remote target is reached as curl would reach it: through the proxy its scheme's
variable names (`https_proxy`, `HTTPS_PROXY`, then `all_proxy`, `ALL_PROXY`; the
lower case first), unless `NO_PROXY` lists its host."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.util import find_spec
from ipaddress import ip_address
from urllib.parse import urlsplit, urlunsplit
from urllib.request import proxy_bypass_environment  # type: ignore[attr-defined]  # not in typeshed

from contract.failures import ConfigurationError

PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")


def excerpt(value: str, limit: int = 60) -> str:
    """A bounded, one-line quotation of what the user gave."""
    shown = value if len(value) <= limit else f"{value[:limit]}… ({len(value)} characters)"
    return repr(shown)


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        return ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def masked(url: str) -> str:
    """A proxy URL as it may be shown: its password never."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


@dataclass(frozen=True)
class ChosenProxy:
    url: str  # as httpx takes it; may hold the proxy's credentials
    variable: str  # the environment variable that named it

    def __str__(self) -> str:
        return f"through proxy {masked(self.url)} from {self.variable}"


def proxy_for(target_url: str, env: Mapping[str, str] = os.environ) -> ChosenProxy | None:
    """The proxy to reach `target_url` through, or None for a direct connection."""
    parts = urlsplit(target_url)
    if is_loopback(parts.hostname):
        return None
    names = [f"{parts.scheme}_proxy", f"{parts.scheme.upper()}_PROXY", "all_proxy", "ALL_PROXY"]
    variable = next((n for n in names if env.get(n, "").strip()), None)
    if variable is None:
        return None
    no_proxy = env.get("no_proxy", env.get("NO_PROXY", ""))
    if no_proxy and proxy_bypass_environment(parts.hostname or "", {"no": no_proxy}):
        return None
    raw = env[variable].strip()
    url = raw if "://" in raw else f"http://{raw}"
    try:
        proxy = urlsplit(url)
        proxy.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        proxy = None
    if proxy is None or proxy.scheme not in PROXY_SCHEMES or not proxy.hostname:
        raise ConfigurationError(
            f"{variable}={excerpt(masked(raw))} is not a proxy URL the suite can use "
            f"({', '.join(PROXY_SCHEMES)}); fix it, or list the target's host in NO_PROXY"
        )
    if proxy.scheme.startswith("socks") and find_spec("socksio") is None:
        raise ConfigurationError(
            f"{variable}={excerpt(masked(raw))} names a SOCKS proxy, which needs the socksio "
            "package (pip install 'httpx[socks]'); or list the target's host in NO_PROXY"
        )
    return ChosenProxy(url, variable)
