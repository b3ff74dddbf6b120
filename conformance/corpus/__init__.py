"""What a run sends once and every clause judges: the covering plan of valid requests,
the probes that must be refused, and the dry-run listing of both."""
