"""The suite's side of the wire: the target and its client (retries, budget), the wire
itself, the secrets it masks, the proxies it goes through, the cassettes it records and
the receiver of status callbacks. Nothing here knows a clause."""
