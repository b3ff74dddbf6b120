"""Identities: call and account SIDs that are unknown, malformed or someone else's."""

from __future__ import annotations

from hypothesis import strategies as st

# Path-safe, and starting with "z" (not a hex digit), so never a uuid.
_SAFE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_~"
MALFORMED_CALL_SIDS = (
    "not-a-call",
    "CA" + "0" * 32,  # a Twilio-style SID
    "00000000-0000-0000-0000-00000000000",  # one digit short
    "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz",
)


def unknown_sids() -> st.SearchStrategy[str]:
    """Well-formed uuids; with 122 random bits, none names an existing call."""
    return st.uuids(version=4).map(str)


def malformed_call_sids() -> st.SearchStrategy[str]:
    generated = st.text(alphabet=_SAFE, min_size=1, max_size=40).map(lambda s: "z" + s)
    return st.one_of(st.sampled_from(MALFORMED_CALL_SIDS), generated)
