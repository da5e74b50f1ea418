"""Tests for the pure library modules (run without Django: pytest busbar/lib/tests -p no:django)."""
