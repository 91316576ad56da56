"""Conformance profiles (YAML data): shipped inside the renkei wheel as ``renkei.profiles``."""
