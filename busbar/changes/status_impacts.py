"""Planned maintenance on the status board (placeholder until the status area lands)."""

from __future__ import annotations


def planned_maintenance(user, service_ids):
    return []
