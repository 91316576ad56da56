"""LTI protocol helpers shared by both products under test: JOSE, vocabulary, claims, remote JWKS,
the hostile-input-proof HTTP client and browser, and the target-file plumbing. Knows nothing of
either side."""
