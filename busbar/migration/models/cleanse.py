"""Data cleanse tracking (QM-19, QM-26, QM-31): each participant's cleanse items by category, what is
outstanding (with its history of readings) and the targets by date."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class CleanseCategory(models.Model):
    """A kind of data problem to cleanse (e.g. missing agent appointment, address mismatch)."""

    programme = models.ForeignKey(
        "testing.Programme", on_delete=models.CASCADE, related_name="cleanse_categories"
    )
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["programme", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "name"], name="mig_unique_cleanse_category")
        ]

    def __str__(self) -> str:
        return self.name


class CleanseItem(models.Model):
    """A participant's cleanse work in one category: ``baseline`` records found at the start,
    ``outstanding`` now (the latest :class:`CleanseReading`)."""

    category = models.ForeignKey(CleanseCategory, on_delete=models.PROTECT, related_name="items")
    organisation = models.ForeignKey("parties.Organisation", on_delete=models.PROTECT, related_name="+")
    baseline = models.PositiveIntegerField()
    outstanding = models.PositiveIntegerField()
    updated_on = models.DateField()
    note = models.CharField(max_length=500, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation__name", "category__order", "category__name"]
        constraints = [
            models.UniqueConstraint(fields=["category", "organisation"], name="mig_unique_cleanse_item")
        ]
        indexes = [models.Index(fields=["organisation"], name="mig_cleanse_org")]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.category} ({self.outstanding:,} outstanding)"


class CleanseReading(models.Model):
    """What was outstanding on a day (one reading a day; a second the same day replaces it)."""

    item = models.ForeignKey(CleanseItem, on_delete=models.CASCADE, related_name="readings")
    on = models.DateField()
    outstanding = models.PositiveIntegerField()

    class Meta:
        ordering = ["item", "on"]
        constraints = [models.UniqueConstraint(fields=["item", "on"], name="mig_unique_cleanse_reading")]

    def __str__(self) -> str:
        return f"{self.item_id} on {self.on}: {self.outstanding}"


class CleanseTarget(models.Model):
    """At most ``outstanding_max`` records outstanding by ``by_date``."""

    item = models.ForeignKey(CleanseItem, on_delete=models.CASCADE, related_name="targets")
    by_date = models.DateField()
    outstanding_max = models.PositiveIntegerField()

    class Meta:
        ordering = ["item", "by_date"]
        constraints = [models.UniqueConstraint(fields=["item", "by_date"], name="mig_unique_cleanse_target")]

    def __str__(self) -> str:
        return f"{self.item_id} by {self.by_date}: at most {self.outstanding_max}"
