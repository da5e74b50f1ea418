"""How a conversation entry's text is shown, on every record type's page: ``{{ entry|entry_body }}``.

Written on a page or through the API, an entry is Markdown, rendered safely (busbar.lib.markdown: no raw
HTML, only http, https and mailto links, images as links) with its @mentions highlighted. An entry that came
in by email is plain text and stays plain: its line breaks kept, nothing in it read as markup.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.defaultfilters import linebreaks_filter
from django.utils.safestring import SafeString, mark_safe

from busbar.lib.markdown import render_entry

register = template.Library()

PLAIN_CHANNELS = frozenset({"email"})


@register.filter
def entry_body(entry: Any) -> SafeString:
    if getattr(entry, "channel", "") in PLAIN_CHANNELS:
        return mark_safe(
            f'<div class="entry-body plain">{linebreaks_filter(entry.body, autoescape=True)}</div>'
        )
    html = render_entry(entry.body)
    return mark_safe(f'<div class="entry-body">{html}</div>')
