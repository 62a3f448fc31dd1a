"""Plugins that live outside the project, registered by the tests that use them (tests/test_plugins.py):
they show that a source or a channel is its module plus one registry entry, and nothing under monitor/."""
