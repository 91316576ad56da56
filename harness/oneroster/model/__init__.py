"""The OneRoster data model written once: file layouts (columns), column types, vocabularies and
references (schema). Every binding (CSV today, REST next) reads it."""
