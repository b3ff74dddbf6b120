"""The suite's power, measured: the kill matrix (`python -m power.killmatrix`), the
runner that starts the suite as a user does and reads back its reports, and progress
for long loops. Only benchmarks/ and tests/ import it."""
