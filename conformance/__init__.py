"""The conformance suite of "Create a Recording": contract, checks and their pytest tests."""
