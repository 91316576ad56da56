"""A vendor's LTI Tool (学習アプリ) under test: its target file, the Platform renkei plays, the
launcher (plain HTTP or a real browser) and the checks."""
