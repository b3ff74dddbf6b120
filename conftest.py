"""The checkout's entry to the suite. Its options, Hypothesis profiles and hooks are the
`conformance.plugin` pytest plugin, which `pip install -e .` registers (the `pytest11`
entry point in pyproject.toml), and conformance/conftest.py; nothing is declared here,
so the checkout and an installed package run the same suite."""
