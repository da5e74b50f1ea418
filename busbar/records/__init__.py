"""The record kernel: what every tracked record type (incident, problem, change, request, …) shares.

A typed record (``incidents.Incident``, later ``problems.Problem``…) has a one-to-one :class:`Record` row
underneath it, as ServiceNow's task table sits under incident, problem and change. The kernel owns, for
every type: the reference and its per-type sequence, the conversation (public updates and internal notes),
attachments, typed links between records of any two types, watchers, the SLA clock log and its due-time
cache. Each type registers itself (prefix, model, who sees it, who works it) in
:mod:`busbar.records.registry`.
"""
