"""The suite's pytest glue: the run's hooks, its fixtures, the collection order, the
parametrization and judging of clause tests, the verdict of each test, and the keys
a run keeps on pytest's config. The options and profiles are in conformance/plugin.py."""
