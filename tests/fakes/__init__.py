"""Local stand-ins for the HTTP APIs the monitor talks to (see ``tests.fakes.social``)."""
