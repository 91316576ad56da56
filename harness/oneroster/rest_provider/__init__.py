"""A vendor's OneRoster 1.2 REST provider under test (renkei is the consumer): target file, client
(tokens, paging, rate limits), the survey every check judges, and the checks."""
