"""A OneRoster CSV bundle under test: package safety, encodings, the streaming reader, the rule
engine, the rules and their checks."""
