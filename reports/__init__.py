"""Report generation: clause verdicts, conformance.json and its schema, the HTML and
Markdown renderings and the comparison, speaking in clauses."""
