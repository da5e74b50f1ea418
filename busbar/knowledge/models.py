"""The knowledge base: articles written by providers and the desk, reviewed, published to an audience.

An article stands on its kernel :class:`~busbar.records.models.Record` (reference KB…, links from
incidents and problems, watchers, review notes, timeline). Its text is kept in numbered
:class:`ArticleVersion` rows: readers see the published version while the next one is drafted and
reviewed; every version once published stays readable, and any two can be compared. Readers say whether
an article helped (:class:`Vote`) and report what is wrong with it (:class:`Irregularity`, seed 001 §9:
"feedback any irregularities found with knowledge articles"), which goes to its author.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from busbar.lib import fulltext
from busbar.parties.models import IndustryRole


class Audience(models.TextChoices):
    EVERYONE = "everyone", "Every participant"
    ROLES = "roles", "Participants of certain roles"
    STAFF = "staff", "Service desk and providers only"


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    REVIEW = "review", "In review"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


Status = ArticleStatus

#: The article's life. A published article's next version is drafted and reviewed beside it
#: (:data:`VERSION_TRANSITIONS`); the article stays published meanwhile.
TRANSITIONS: dict[str, set[str]] = {
    Status.DRAFT: {Status.REVIEW, Status.RETIRED},
    Status.REVIEW: {Status.DRAFT, Status.PUBLISHED},
    Status.PUBLISHED: {Status.RETIRED},
    Status.RETIRED: {Status.PUBLISHED},
}


class VersionState(models.TextChoices):
    DRAFT = "draft", "Draft"
    REVIEW = "review", "In review"
    PUBLISHED = "published", "Published"
    SUPERSEDED = "superseded", "Superseded"
    DISCARDED = "discarded", "Discarded"


#: A version's life: written, reviewed, published, then superseded by the next one published.
VERSION_TRANSITIONS: dict[str, set[str]] = {
    VersionState.DRAFT: {VersionState.REVIEW, VersionState.DISCARDED},
    VersionState.REVIEW: {VersionState.DRAFT, VersionState.PUBLISHED},
    VersionState.PUBLISHED: {VersionState.SUPERSEDED},
    VersionState.SUPERSEDED: set(),
    VersionState.DISCARDED: set(),
}
#: The versions readers may read: each one that was published.
READABLE_STATES = frozenset({VersionState.PUBLISHED, VersionState.SUPERSEDED})
WORKING_STATES = frozenset({VersionState.DRAFT, VersionState.REVIEW})


class TsVectorField(fulltext.TsVectorField):
    """PostgreSQL's ``tsvector`` (the article's full-text document, kept by :mod:`busbar.knowledge.search`);
    on SQLite an unused text column (its full-text index is an FTS5 table beside the articles)."""


class Article(models.Model):
    record = models.OneToOneField("records.Record", on_delete=models.PROTECT, related_name="article")
    reference = models.CharField(max_length=20, unique=True)
    # What readers see first: the published version's, or (never published) the working version's.
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300, blank=True)
    service = models.ForeignKey(
        "services.Service",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="articles",
        help_text="Empty: about the switching arrangements as a whole",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    audience = models.CharField(max_length=20, choices=Audience.choices, default=Audience.EVERYONE)
    owner = models.ForeignKey(
        "parties.Organisation",
        on_delete=models.PROTECT,
        related_name="owned_articles",
        help_text="The provider (or the operator) that keeps the article current",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    contributor = models.ForeignKey(
        "parties.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="A market participant whose input the article records",
    )
    external_url = models.URLField(
        max_length=500, blank=True, help_text="Where the full document lives, if outside Busbar"
    )
    keywords = models.CharField(max_length=300, blank=True, help_text="Words people search by: codes, errors")
    published_version = models.ForeignKey(
        "ArticleVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    working_version = models.ForeignKey(
        "ArticleVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    helpful_count = models.PositiveIntegerField(default=0)
    unhelpful_count = models.PositiveIntegerField(default=0)
    open_irregularities = models.PositiveIntegerField(default=0)
    review_by = models.DateField(null=True, blank=True, help_text="When the owner next checks it is current")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    first_published_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True, help_text="When this version was published")
    retired_at = models.DateTimeField(null=True, blank=True)
    search_vector = TsVectorField(null=True, blank=True, editable=False)
    #: Title, keywords and summary only: what the articles offered while typing are matched on.
    summary_vector = TsVectorField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-updated_at"], name="kb_status_updated"),
            models.Index(fields=["service", "status"], name="kb_service_status"),
            models.Index(fields=["owner", "status"], name="kb_owner_status"),
            models.Index(fields=["-updated_at", "-id"], name="kb_updated"),
            models.Index(fields=["review_by"], name="kb_review_by", condition=models.Q(status="published")),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    @property
    def helpful_share(self) -> int | None:
        """Percentage of readers who found it helpful (None before anyone said)."""
        total = self.helpful_count + self.unhelpful_count
        return round(100 * self.helpful_count / total) if total else None


class ArticleAudienceRole(models.Model):
    """An industry role whose participants may read an article of the ``roles`` audience."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="audience_roles")
    role = models.CharField(max_length=40, choices=IndustryRole.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "role"], name="unique_article_role")]
        indexes = [models.Index(fields=["role", "article"], name="kb_role_article")]

    def __str__(self) -> str:
        return f"{self.article_id}: {self.role}"


class ArticleVersion(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    state = models.CharField(max_length=20, choices=VersionState.choices, default=VersionState.DRAFT)
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300, blank=True)
    body = models.TextField(help_text="Markdown")
    body_html = models.TextField(help_text="The body rendered and sanitised")
    body_text = models.TextField(help_text="The body's words without markup, for search and snippets")
    change_note = models.CharField(max_length=300, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    author_label = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="unique_article_version"),
        ]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.number}"


class Vote(models.Model):
    """A reader's answer to "was this helpful?": one per person and article, which they may change."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    helpful = models.BooleanField()
    version_number = models.PositiveIntegerField(help_text="The version read")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "user"], name="unique_article_vote")]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.article_id}: {'helpful' if self.helpful else 'not helpful'}"


class IrregularityState(models.TextChoices):
    OPEN = "open", "Open"
    CORRECTED = "corrected", "Corrected"
    DISMISSED = "dismissed", "Dismissed"


IRREGULARITY_TRANSITIONS: dict[str, set[str]] = {
    IrregularityState.OPEN: {IrregularityState.CORRECTED, IrregularityState.DISMISSED},
    IrregularityState.CORRECTED: set(),
    IrregularityState.DISMISSED: set(),
}


class Irregularity(models.Model):
    """Something wrong in an article, reported by a reader (the desk, above all) to its author and owner."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="irregularities")
    version_number = models.PositiveIntegerField(help_text="The version read")
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    reporter_organisation = models.ForeignKey(
        "parties.Organisation", null=True, on_delete=models.PROTECT, related_name="+"
    )
    comment = models.TextField()
    state = models.CharField(max_length=20, choices=IrregularityState.choices, default=IrregularityState.OPEN)
    response = models.TextField(blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "irregularities"
        indexes = [models.Index(fields=["article", "state"], name="kb_irregularity_state")]

    def __str__(self) -> str:
        return f"Irregularity {self.pk} on {self.article_id}"
