"""A vendor's LTI Platform (学習eポータル / LMS) under test: its target file, the Tool renkei plays,
the launch driver and service client, and the checks."""
