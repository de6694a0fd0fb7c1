"""Helpers shared by test modules: servers on loopback, runners, file checks."""
