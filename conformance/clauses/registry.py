"""The one registry of clause tests, in the spirit of the Gateway API's ConformanceTest
records: each entry names its clause, what it needs (the item its check takes, and so
the corpus or the probes it reads), and the requests it sends of its own; its stage in
the run follows from its need (conformance/clauses/schedule.py). The test modules hold
one parametrized test per need, the dry run and the budget order read the entries, and
tests/test_contract.py checks that every testable clause has one. Checks raise
`Violation` naming no clause: the entry that runs them stamps its own. No clause ID is
spelled outside this module and the contract."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from conformance.checks import callbacks as cb
from conformance.checks import generic, identity, outcome, refusal, signing
from conformance.checks import response as r
from conformance.clauses.schedule import Need, Rank, Stage
from conformance.clauses.variations import (
    REPEATED,
    SPELLED,
    UNKNOWN_BESIDE_KNOWN,
    Variation,
    event_probe_plan,
)
from contract.failures import Violation
from contract.terms import (
    ACCOUNT_SID_EXACT,
    CLAUSE,
    MALFORMED_CALL,
    MISSING_CREDENTIALS,
    OTHER_ACCOUNT,
    PARAMETERS,
    REFUSED_CREATES_NOTHING,
    SERVER_ERROR,
    SIGNATURE,
    UNKNOWN_CALL,
    WRONG_TOKEN,
    Clause,
    enum_clause,
    reject_clause,
)
from strategies.forms import EventEncoding

T = TypeVar("T")  # the item a check takes

CREATE_AND_STOP = 2  # the requests of one probe: its create, and the stop of what it started


@dataclass(frozen=True)
class ClauseTest(Generic[T]):
    clause: Clause
    need: Need[T]
    check: Callable[[T], bool]
    probes: tuple[Variation, ...] = ()  # requests of its own, each created, then stopped
    fetches: int = 0  # recordings it fetches back, at most: one request each

    @property
    def cost(self) -> int:
        """The requests it sends of its own, beside the corpora every test shares."""
        return CREATE_AND_STOP * len(self.probes) + self.fetches

    def rank(self, stage: Stage | None) -> Rank:
        return self.need.rank(stage)

    @contextmanager
    def stamping(self) -> Iterator[None]:
        """Whatever breaks inside is this entry's clause (or the one a rule names)."""
        try:
            yield
        except (Violation, BaseExceptionGroup) as error:
            raise self._stamped(error) from None

    def _stamped(self, error: BaseException) -> BaseException:
        if isinstance(error, Violation):
            return error.against(self.clause)
        if isinstance(error, BaseExceptionGroup):
            return error.derive([self._stamped(e) for e in error.exceptions])
        return error

    def __call__(self, item: T) -> bool:
        with self.stamping():
            return self.check(item)


def _test(
    clause: Clause | str,
    need: Need[T],
    check: Callable[[T], bool],
    probes: tuple[Variation, ...] = (),
    fetches: int = 0,
) -> ClauseTest[T]:
    """An entry; its check must take the item its need gives (mypy sees to it)."""
    found = clause if isinstance(clause, Clause) else CLAUSE[clause]
    return ClauseTest(found, need, check, probes, fetches)


def _events(encoding: EventEncoding, why: str) -> tuple[Variation, ...]:
    return tuple(Variation(why, form) for e, form in event_probe_plan() if e is encoding)


_C, _R, _CB = Need.CREATED, Need.PROBES, Need.CALLBACKS  # the needs of most entries
_ENUMS = ("channel", "channels", "source", "status")

# The created recording, in the order a generated request is judged (the first broken wins).
_CREATED = (
    _test("SCHEMA-JSON", _C, r.response_is_json_object),
    _test("SCHEMA-FIELDS", _C, r.every_field_present),
    _test("SCHEMA-TYPES", _C, r.fields_have_their_json_types),
    _test("SCHEMA-UUID", _C, r.sids_are_uuids),
    _test("SCHEMA-UUID-CANONICAL", _C, r.sids_are_lower_case),
    _test("SCHEMA-RFC2822", _C, r.dates_are_rfc2822),
    _test("SCHEMA-INTEGER-LITERAL", _C, r.integers_are_written_as_integers),
    _test("DEFAULT-CHANNELS", _C, r.omitted_channels_mean_mono),
    _test("DEFAULT-TRIM", _C, r.omitted_trim_means_do_not_trim),
    _test("ECHO-CHANNELS", _C, r.channels_follow_recording_channels),
    _test("ECHO-CHANNEL", _C, r.channel_follows_recording_channels),
    _test("CONSISTENT-CHANNEL-KEYS", _C, r.channel_agrees_with_channels),
    _test("ECHO-TRIM", _C, r.trim_follows_trim),
    _test("ECHO-CALL-SID", _C, r.call_sid_is_the_path_call),
    _test("ECHO-ACCOUNT-SID", _C, r.account_sid_is_the_path_account),
    _test("ECHO-URI", _C, r.uri_names_this_recording),
    _test("ECHO-API-VERSION", _C, r.api_version_is_the_path_version),
    *(_test(enum_clause(name), _C, r.value_in_domain(name)) for name in _ENUMS),
    _test("NULL-CALL-SID", _C, r.call_recording_has_call_sid),
    _test("NULL-CONFERENCE-SID", _C, r.call_recording_has_no_conference),
    _test("NULL-ENCRYPTION-DETAILS", _C, r.encryption_details_always_null),
    _test("STARTED-STATUS", _C, r.started_recording_is_in_progress),
    _test("STARTED-DURATION", _C, r.started_duration_not_negative),
    _test("STARTED-SOURCE", _C, r.started_through_the_api),
)
VALID_ACCEPTED = _test("VALID-ACCEPTED", Need.ANSWERED, outcome.plan_request_accepted)
EVENTS_REPEATED_FIELDS = _test(
    "EVENTS-REPEATED-FIELDS",
    Need.ENCODINGS,
    outcome.accepted_as("one field per event"),
    probes=_events(EventEncoding.REPEATED, "one field per event"),
)
CALLBACK_EVENTS = _test("CALLBACK-EVENTS", _CB, cb.callbacks_for_exactly_the_requested_events)
CALLBACK_DEFAULT_EVENT = _test("CALLBACK-DEFAULT-EVENT", _CB, cb.callbacks_default_to_completed)
# Every refusal, in the order a generated invalid request is judged.
_REFUSALS = (
    _test("ERROR-SHAPE", Need.REFUSALS, refusal.error_body_has_its_fields),
    _test("ERROR-STATUS-MATCH", Need.REFUSALS, refusal.error_status_matches_http),
    _test(SERVER_ERROR, Need.REFUSALS, refusal.refusal_is_not_a_server_error),
)
_REJECT = [reject_clause(p.name) for p in PARAMETERS] + [CLAUSE["REJECT-NEAR-MISS"]]
_LISTED = (MISSING_CREDENTIALS, WRONG_TOKEN, OTHER_ACCOUNT)

ENTRIES: tuple[ClauseTest[Any], ...] = (
    _test("IDENTITY-UNIQUE-SID", Need.NAMED, identity.sid_is_new),
    _test("IDENTITY-FETCH", Need.NAMED, identity.fetch_returns_the_same, fetches=3),
    *_CREATED,
    VALID_ACCEPTED,
    _test("SUCCESS-STATUS-200", Need.ANSWERED, outcome.success_is_200),
    # The refusal clauses in the order their probes are sent (each look sends one of
    # each): the cheapest, most telling first; a listed probe costs up to three requests,
    # and the account SID's case is the one a lenient handler least often gets wrong alone.
    *(_test(c, _R, outcome.refused) for c in (UNKNOWN_CALL, MALFORMED_CALL, *_REJECT)),
    *(_test(c, _R, outcome.refused) for c in (*_LISTED, ACCOUNT_SID_EXACT)),
    # Whether a refused credential created nothing is seen by listing the call's
    # recordings around one probe of each (two requests more); the near misses of
    # strategies/credentials.py are judged on their answer alone, which a handler that acts
    # before it authenticates gets wrong for every credential alike.
    *(_test(c, Need.LISTED, identity.created_nothing) for c in _LISTED),
    *_REFUSALS,
    CALLBACK_EVENTS,
    CALLBACK_DEFAULT_EVENT,
    _test("CALLBACK-METHOD", _CB, cb.callbacks_use_the_requested_method),
    _test("CALLBACK-DEFAULT-METHOD", _CB, cb.callbacks_default_to_post),
    _test("CALLBACK-URL", _CB, cb.callbacks_request_the_url_given),
    _test("CALLBACK-PAYLOAD", _CB, cb.callback_payload_agrees_with_recording),
    _test(SIGNATURE, _CB, signing.callbacks_are_signed),  # with the user's signing key only
    _test(
        "EVENTS-SPACE-SEPARATED",
        Need.ENCODINGS,
        outcome.accepted_as("events separated with a space"),
        probes=_events(EventEncoding.SPACE, "events separated with a space"),
    ),
    EVENTS_REPEATED_FIELDS,
    # Each answer is then judged like any other (conformance/test_validation.py).
    _test(
        "UNKNOWN-PARAMS-IGNORED",
        Need.VARIATIONS,
        outcome.accepted_as(f"{UNKNOWN_BESIDE_KNOWN.why}, none wrong"),
        probes=(UNKNOWN_BESIDE_KNOWN,),
    ),
    _test(
        VALID_ACCEPTED.clause,
        Need.VARIATIONS,
        outcome.accepted_as(SPELLED.why),
        probes=(SPELLED,),
    ),
    _test(
        SERVER_ERROR,
        Need.VARIATIONS,
        outcome.never_a_server_error(REPEATED.why),
        probes=(REPEATED,),
    ),
    _test("GENERIC-OPENAPI", Need.DRAWN, generic.answered_as_the_document_says),
    # Whatever any refused request of the run left on the call, however late in the run
    # and however many recordings the call holds: its listing (every page) at the end,
    # read against the sids the accepted creates returned (conformance/run/listing.py).
    _test(REFUSED_CREATES_NOTHING, Need.WHOLE_RUN, identity.nothing_unaccounted_for),
    # No second callback for an event, none for an event not asked: judged again at the
    # run's end, over every callback the recording's URL got.
    _test(CALLBACK_EVENTS.clause, Need.RUN_CALLBACKS, cb.no_second_or_unasked_callback),
    _test(
        CALLBACK_DEFAULT_EVENT.clause,
        Need.RUN_CALLBACKS,
        cb.no_second_or_unasked_default_callback,
    ),
)


def needing(need: Need[T]) -> list[ClauseTest[T]]:
    return [e for e in ENTRIES if e.need is need]


def bound(check: Callable[[T], bool]) -> ClauseTest[T]:
    """The entry that runs this check (for the project's own tests of a check)."""
    return next(e for e in ENTRIES if e.check is check)


def probe_order(clause: Clause) -> int:
    """Where a clause's probes are sent in each stage: when its probe test runs."""
    tests = needing(Need.PROBES)
    return next((i for i, e in enumerate(tests) if e.clause is clause), len(tests))


def entry_for(clause: Clause, need: Need[T]) -> ClauseTest[T]:
    """The entry of this need for this clause (a generated invalid request names its own)."""
    return next(e for e in needing(need) if e.clause is clause)
