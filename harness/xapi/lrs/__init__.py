"""A vendor's LRS under test: renkei is the Learning Record Provider (profiles ``xapi-lrs``, ``xapi2-lrs``)."""
