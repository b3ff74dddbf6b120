"""Differential conformance: hold a candidate to a recorded reference, beyond the
contract (`pytest conformance --differential DIR`, docs/differential.md).

The reference is a cassette of a run against the implementation held to be right (the
live API), recorded once with --record-cassette, twice to learn its noise. The candidate
is sent the reference's requests in the reference's order, with its own SIDs and its
own receiver's URLs in their place, and every exchange and status callback is compared
field by field: reference.py reads the recordings, compare.py maps identifiers and
judges each field (noise learned from the two recordings, or the run's own identifiers
and times), accepted.py reads the differences a user accepts, run.py sends and
gathers; conformance/hooks/differential.py is the pytest mode, and
reports/differential.py writes the report."""
