"""A vendor's OneRoster 1.2 REST consumer under test (renkei serves the reference provider): target
file, the import scenario (two imports around a school-year change) and the checks on what the
consumer asked for."""
