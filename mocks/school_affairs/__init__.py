"""Mock 校務支援システム (school-affairs system): emits Japan-Profile OneRoster CSV bundles.

``generator.generate_bundle`` writes a valid, deterministic bundle for a profile;
``defects.break_bundle`` copies one with known, located defects for red runs and demos.
"""
