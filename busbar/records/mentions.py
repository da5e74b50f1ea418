"""@mentions in conversation entries: who a mention reaches, and telling them.

The syntax (``busbar.lib.markdown.MENTION_RE``): ``@[Full Name]``, or ``@`` and the part of the person's
email address before the ``@`` (``@jo.bloggs`` for jo.bloggs@example.com). Case does not matter.

A mention reaches a person only if

* they may see the record (its type's ``visible_to``) and, for an internal note, work it (``works_on``);
* the writer may point at them: the desk may mention anyone who sees it; whoever else works the record (its
  provider) the people of its parties (the type's ``mention_parties``: for an incident its raising and
  affected organisations), the desk and their own organisations; anyone else (a participant) only people of
  their own organisations and the service desk, so a mention can never be used to find out who else exists;
* the mention names exactly one such person (``@jo`` matching two people reaches neither: write the name;
  only the desk is told so, everyone else reads "cannot see").

The notification's title names the record, not the writer (who, to a participant, may be one of the
provider's people, whom they are not shown).

Whoever is reached gets a notification in their inbox (:func:`busbar.records.inbox.deliver`). Every other
mention is "not notified: cannot see this incident" to the writer, whether or not the name belongs to anyone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q

from busbar.lib.markdown import mentions_in
from busbar.parties.queries import remember_scopes, scope_for, scope_key
from busbar.records import registry

#: The most mentions of one entry that are looked up; more are not notified (and said so).
MAX_MENTIONS = 20
#: The most people one mention's text is compared against (a local part shared by many addresses).
MAX_CANDIDATES = 50


@dataclass
class Outcome:
    notified: list[Any] = field(default_factory=list)
    #: (the mention as written, why it reached nobody)
    not_notified: list[tuple[str, str]] = field(default_factory=list)

    def note(self, noun: str = "record") -> str:
        """What the writer is told about the mentions that reached nobody ("" when there are none)."""
        if not self.not_notified:
            return ""
        parts = [f"@{text} ({reason.replace('RECORD', noun)})" for text, reason in self.not_notified]
        return "Not notified: " + "; ".join(parts) + "."


CANNOT_SEE = "cannot see this RECORD"
AMBIGUOUS = "names more than one person: write @[Full Name]"
TOO_MANY = f"more than {MAX_MENTIONS} mentions"


def _matches(user: Any, text: str) -> bool:
    return (user.email or "").lower().split("@", 1)[0] == text.lower() or (
        " ".join((user.full_name or "").split()).lower() == text.lower()
    )


def resolve(*, record: Any, obj: Any, author: Any, body: str, internal: bool) -> Outcome:
    """Who the mentions of ``body`` (an entry by ``author`` on ``record``, the typed ``obj``) reach.

    A fixed number of queries whatever the number of mentions: the candidates in one, their scopes in one,
    and whether they see the record in one per distinct scope among them (``visible_to`` depends only on
    the scope)."""
    outcome = Outcome()
    texts = mentions_in(body)
    if not texts:
        return outcome
    outcome.not_notified += [(t, TOO_MANY) for t in texts[MAX_MENTIONS:]]
    texts = texts[:MAX_MENTIONS]
    record_type = registry.get(record.kind)
    condition = Q()
    for text in texts:
        condition |= Q(email__istartswith=f"{text}@") | Q(full_name__iexact=text)
    people = list(
        get_user_model()
        .objects.filter(condition, is_active=True)
        .order_by("pk")[: MAX_CANDIDATES * len(texts)]
    )
    remember_scopes([*people, author])
    writer = scope_for(author) if author is not None else None
    writer_works = author is None or record_type.works_on(author, obj)
    # Whom the writer may point at. The desk: anyone who sees it. Whoever else works it (a provider): the
    # record's parties, the desk and their own organisations. Anyone else: their own and the desk.
    reach: frozenset[int] | None = None
    if writer is not None and not writer.is_central:
        reach = writer.organisation_ids
        if writer_works:
            parties = record_type.mention_parties
            reach = reach | parties(obj) if parties is not None else None
    sees: dict[tuple, bool] = {}

    def allowed(person: Any) -> bool:
        scope = scope_for(person)
        if reach is not None and not (scope.is_desk or scope.organisation_ids & reach):
            return False
        key = scope_key(scope)
        if key not in sees:
            sees[key] = record_type.visible_to(person).filter(record_id=record.pk).exists()
        return sees[key] and (not internal or record_type.works_on(person, obj))

    # Only the desk (which sees everyone) is told a name is ambiguous; anyone else hears the same words
    # whether the name belongs to nobody, to several people or to someone who may not be reached.
    ambiguous = AMBIGUOUS if writer is None or writer.is_central else CANNOT_SEE
    reached: dict[int, Any] = {}
    for text in texts:
        candidates = [p for p in people if _matches(p, text)][:MAX_CANDIDATES]
        fits = [p for p in candidates if allowed(p)]
        if len(fits) == 1:
            if author is None or fits[0].pk != author.pk:
                reached.setdefault(fits[0].pk, fits[0])
        elif len(fits) > 1:
            outcome.not_notified.append((text, ambiguous))
        else:
            outcome.not_notified.append((text, CANNOT_SEE))
    outcome.notified = list(reached.values())
    return outcome


def title_for(record: Any, obj: Any) -> str:
    """The notification's title: the record, never who wrote (a participant is not told which of the
    provider's people did: ``incidents.queries.party_shown``)."""
    about = getattr(obj, "title", "") or getattr(obj, "summary", "")  # an article's title, else the summary
    return f"You were mentioned on {record.reference}" + (f": {about}" if about else "")


def notify(*, entry: Any, record: Any, author: Any, internal: bool) -> Outcome:
    """Resolve the mentions of ``entry`` and put a notification in each reached person's inbox."""
    if not mentions_in(entry.body):
        return Outcome()
    from busbar.records.inbox import deliver

    record_type = registry.get(record.kind)
    obj = record_type.model_class.objects.get(record=record)
    outcome = resolve(record=record, obj=obj, author=author, body=entry.body, internal=internal)
    if outcome.notified:
        deliver(
            recipients=outcome.notified,
            kind="mention",
            record=record,
            title=title_for(record, obj),
            url=f"{record_type.url(record.reference)}#update-{entry.pk}",
        )
    return outcome
