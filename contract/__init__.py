"""The ground floor: the contract of "Create a Recording" as data (contract.terms), the
form and exchange types every layer shares, the typed failures, the expectations file,
the OpenAPI document and the RFC 2822 grammar. It imports nothing of the project; the
suite, the strategies, the emulator and the reports all build on it."""
