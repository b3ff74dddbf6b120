"""What is judged, and when: the registry of clause tests (each clause bound to its
check and to what it needs) and the run's schedule (stages, ranks, needs)."""
