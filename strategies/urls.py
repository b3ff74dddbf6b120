"""Callback URLs at the edges of the valid space: query strings, percent-encoding,
ports, IP literals and long paths (a URL of 2,000 characters is valid).

The shapes the receiver hands out (`receiver_url`) lead back to it, so a status
callback can be checked to arrive at exactly the URL given. They are written in
RFC 3986's normal form (§6.2.2: upper-case percent-encoding, unreserved characters
never encoded), so that any difference a server makes to one changes what it names.
`EDGE_URL` leads nowhere (a documentation address): it is only to be accepted.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from hypothesis import strategies as st

LONG_URL = 2000  # characters: a long URL that is still valid (and commonly supported)


def _long(base: str, token: str) -> str:
    head, query = f"{base}/cb/{token}/", f"?length={LONG_URL}"
    room = LONG_URL - len(head) - len(query)
    if room < 1:  # a public receiver URL too long already: no longer, then
        return f"{base}/cb/{token}{query}"
    segments = "/".join(["long-path-segment"] * (room // 18 + 1))[:room].rstrip("/")
    return head + segments.ljust(room, "x") + query


# Each: receiver base URL, token -> a URL whose path starts /cb/{token}.
RECEIVER_SHAPES = (
    # A query that ends in its separator, and a fragment, which is never sent: a GET's
    # payload goes after the query, neither doubling the "&" nor landing in the fragment.
    # First, and the URL without a query second: where the plan's GET rows meet them
    # (the kill matrix's callback-get-payload-in-fragment proves the first does).
    lambda base, token: f"{base}/cb/{token}?kind=fragment&#section",
    lambda base, token: f"{base}/cb/{token}",
    lambda base, token: (
        f"{base}/cb/{token}/a%20b/c%2Fd/%C3%A9t%C3%A9/~tilde"
        "?amp=a%26b%3Dc&space=x%20y&plus=1%2B1&raw=a+b&hash=%23"
    ),
    lambda base, token: f"{base}/cb/{token}?kind=query&empty=&list=a,b;c&q=x?y/z",
    _long,
)


def receiver_url(base: str, token: str, issued: int) -> str:
    """The shape of the `issued`-th URL a receiver hands out, in turn."""
    return RECEIVER_SHAPES[issued % len(RECEIVER_SHAPES)](base.rstrip("/"), token)


# Valid, never reached: an IPv6 literal of the documentation range (RFC 3849) with the
# highest port, percent-encoding and a query. (The receiver's own URL, on loopback, is
# an IPv4 literal with a port.)
EDGE_URL = "http://[2001:db8::1]:65535/status%20cb/%C3%A9?x=1&y=%2F"

_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
_UNRESERVED = re.compile(r"[A-Za-z0-9\-._~]")


def normal_percent_encoding(text: str) -> str:
    """RFC 3986 §6.2.2.1-2: percent-encodings in upper case, and those of unreserved
    characters decoded. Two spellings alike after it name the same resource."""

    def one(m: re.Match[str]) -> str:
        char = unquote(m.group())
        return char if _UNRESERVED.fullmatch(char) else m.group().upper()

    return _PERCENT.sub(one, text)


_HOST_LABEL = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)
_PATH_SEGMENT = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@",
    min_size=1,
    max_size=12,
)
_ENCODED = st.sampled_from(("%20", "%2F", "%3F", "%23", "%25", "%C3%A9"))
_SEGMENT = st.lists(st.one_of(_PATH_SEGMENT, _ENCODED), min_size=1, max_size=4).map("".join)
_QUERY_TEXT = st.lists(st.one_of(_PATH_SEGMENT, _ENCODED, st.just("/"), st.just("?")), max_size=4)


@st.composite
def http_urls(draw: st.DrawFn) -> str:
    """Absolute http(s) URLs across the careful domain: registered names and IP literals,
    any port from 1 to 65535 or none, percent-encoded segments, a query or none, and now
    and then a long path."""
    scheme = draw(st.sampled_from(("https", "http", "HTTP")))
    host = draw(
        st.one_of(
            st.lists(_HOST_LABEL, min_size=1, max_size=3).map(lambda ls: ".".join(ls) + ".example"),
            st.ip_addresses(v=4, network="192.0.2.0/24").map(str),
            st.ip_addresses(v=6, network="2001:db8::/32").map(lambda a: f"[{a}]"),
        )
    )
    port = draw(st.one_of(st.just(""), st.integers(1, 65535).map(lambda p: f":{p}")))
    path = "/".join(draw(st.lists(_SEGMENT, max_size=3)))
    query = draw(st.one_of(st.just(""), _QUERY_TEXT.map(lambda q: "?" + "".join(q))))
    url = f"{scheme}://{host}{port}/{path}{query}"
    if draw(st.integers(0, 9)) == 0:  # now and then, as long as LONG_URL allows
        room = max(1, LONG_URL - len(url) - 1)
        url = f"{scheme}://{host}{port}/{path}/{'p' * draw(st.integers(1, room))}{query}"
    return url
