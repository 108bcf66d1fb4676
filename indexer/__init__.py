"""Reading, structure, analysis and index writing for the report search engine."""
