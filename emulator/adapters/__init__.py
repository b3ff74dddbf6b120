"""Where the emulator leans on another package's internals, for want of a public way:
one module per package, each checked by tests/test_adapters.py, so that an upstream
release that moves them fails there, by name, rather than somewhere in a run."""
