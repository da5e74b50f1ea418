"""Changing a policy's targets or calendar brings open incidents' due times up to date."""

import datetime as dt

import pytest
from django.utils import timezone

from busbar.incidents.models import Incident
from busbar.incidents.tests.conftest import raise_for
from busbar.lib.actions import Actor
from busbar.services import actions as catalogue_actions

pytestmark = pytest.mark.django_db


def test_target_change_moves_open_incident_due_times(
    world, catalogue, django_capture_on_commit_callbacks
) -> None:
    now = timezone.now()
    open_one = raise_for(world, catalogue, severity="2", now=now)
    assert open_one.resolution_due_at == now + dt.timedelta(hours=24)
    with django_capture_on_commit_callbacks(execute=True):
        catalogue_actions.set_target(
            actor=Actor.system(),
            policy=catalogue.policy,
            severity=catalogue.severities["2"],
            clock="resolution",
            amount=8,
            unit="hours",
            calendar=catalogue.calendar,
        )
    open_one = Incident.objects.get(pk=open_one.pk)
    assert open_one.resolution_due_at == now + dt.timedelta(hours=8)
