"""Background housekeeping of the core records: expired idempotency keys, the sent-email ledger."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from busbar.core.models import IdempotencyKey, SentEmail

#: How long the ledger of sent Message-IDs is kept (a task re-run after this could send again).
SENT_EMAIL_DAYS = 30


@task()
def purge_expired() -> dict[str, int]:
    now = timezone.now()
    keys, _ = IdempotencyKey.objects.filter(expires_at__lte=now).delete()
    sent, _ = SentEmail.objects.filter(claimed_at__lt=now - dt.timedelta(days=SENT_EMAIL_DAYS)).delete()
    return {"idempotency_keys": keys, "sent_emails": sent}
