"""A run, apart from pytest: its options and target, the calls it records on and the
clean-up that ends them, the call's listing and ledger, the exit status, and the
commands that replay its evidence."""
