"""Report generation: the pytest-html report and JUnit XML, speaking in clauses."""
