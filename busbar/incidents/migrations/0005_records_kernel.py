"""Incidents move onto the record kernel (busbar.records), keeping every row.

Each incident gets its kernel Record (same reference; the SLA due-time cache moves onto it); its clock log,
updates (as conversation entries, same ids), attachments (same ids and stored files), links and SLA notices
(same ids, with their escalations) are copied to the kernel tables, and the INC sequence starts after the
highest incident number. Then the incident-only tables and columns are dropped. Set-based SQL (INSERT …
SELECT), so it runs in a few statements whatever the number of incidents, on SQLite and PostgreSQL.
Reversible: going back copies the kernel rows of incidents into the incident tables again (links to
records of other types, which the old tables cannot hold, are dropped).
"""

import django.db.models.deletion
from django.core.management.color import no_style
from django.db import migrations, models


def _constraints_now(db, cursor) -> None:  # noqa: ANN001
    """PostgreSQL checks deferred foreign keys at commit; check them now, so the schema changes that follow
    in this migration do not meet "pending trigger events"."""
    if db.vendor == "postgresql":
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _tables(apps, db):  # noqa: ANN001, ANN202
    model = apps.get_model
    inc = model("incidents", "Incident")._meta.db_table
    tables = {
        "record": model("records", "Record")._meta.db_table,
        "seq": model("records", "Sequence")._meta.db_table,
        "clock_old": model("incidents", "ClockEvent")._meta.db_table,
        "clock": model("records", "ClockEvent")._meta.db_table,
        "update": model("incidents", "Update")._meta.db_table,
        "entry": model("records", "Entry")._meta.db_table,
        "att_old": model("incidents", "Attachment")._meta.db_table,
        "att": model("records", "Attachment")._meta.db_table,
        "link_old": model("incidents", "Link")._meta.db_table,
        "link": model("records", "Link")._meta.db_table,
        "notice_old": model("incidents", "SlaNotice")._meta.db_table,
        "notice": model("records", "SlaNotice")._meta.db_table,
        "esc_old": model("incidents", "SlaNotice").escalated_to.through._meta.db_table,
        "esc": model("records", "SlaNotice").escalated_to.through._meta.db_table,
    }
    return {k: db.ops.quote_name(v) for k, v in tables.items()}, db.ops.quote_name(inc)


def copy_to_kernel(apps, schema_editor):  # noqa: ANN001, ANN201
    db = schema_editor.connection
    model = apps.get_model
    t, inc_q = _tables(apps, db)
    Incident = model("incidents", "Incident")
    for incident in Incident.objects.using(db.alias).filter(reference__isnull=True).only("pk"):
        Incident.objects.using(db.alias).filter(pk=incident.pk).update(reference=f"INC{incident.pk:07d}")
    statements = [
        f"""INSERT INTO {t['record']} (kind, reference, created_at, response_due_at, resolution_due_at,
            response_breached, resolution_breached, sla_paused, sla_next_check_at, sla_notified)
            SELECT 'incident', reference, created_at, response_due_at, resolution_due_at, response_breached,
            resolution_breached, sla_paused, sla_next_check_at, sla_notified FROM {inc_q}""",
        f"""UPDATE {inc_q} SET record_id = (SELECT r.id FROM {t['record']} r
            WHERE r.reference = {inc_q}.reference)""",
        f"""INSERT INTO {t['clock']} (record_id, at, kind, severity_code)
            SELECT i.record_id, c.at, c.kind, c.severity_code FROM {t['clock_old']} c
            JOIN {inc_q} i ON i.id = c.incident_id ORDER BY c.id""",
        f"""INSERT INTO {t['entry']} (id, record_id, author_id, author_label, author_organisation_id, channel,
            body, is_internal, created_at, email_message_id)
            SELECT u.id, i.record_id, u.author_id, u.author_label, u.author_organisation_id, u.channel, u.body,
            u.is_internal, u.created_at, u.email_message_id FROM {t['update']} u JOIN {inc_q} i ON i.id = u.incident_id""",
        f"""INSERT INTO {t['att']} (id, record_id, entry_id, file, filename, content_type, size, is_internal,
            uploaded_by_id, created_at)
            SELECT a.id, i.record_id, a.update_id, a.file, a.filename, a.content_type, a.size, a.is_internal,
            a.uploaded_by_id, a.created_at FROM {t['att_old']} a JOIN {inc_q} i ON i.id = a.incident_id""",
        f"""INSERT INTO {t['link']} (source_id, target_id, kind, created_at)
            SELECT s.record_id, g.record_id, l.kind, l.created_at FROM {t['link_old']} l
            JOIN {inc_q} s ON s.id = l.source_id JOIN {inc_q} g ON g.id = l.target_id ORDER BY l.id""",
        f"""INSERT INTO {t['notice']} (id, record_id, clock, kind, crossed_at, raised_at)
            SELECT n.id, i.record_id, n.clock, n.kind, n.crossed_at, n.raised_at FROM {t['notice_old']} n
            JOIN {inc_q} i ON i.id = n.incident_id""",
        f"""INSERT INTO {t['esc']} (slanotice_id, user_id) SELECT slanotice_id, user_id FROM {t['esc_old']}""",
        # The highest number in use (references were INC + the id before the kernel; a database migrated
        # back and forth keeps the kernel's numbers).
        f"""INSERT INTO {t['seq']} (prefix, last)
            SELECT 'INC', COALESCE(MAX(CAST(SUBSTR(reference, 4) AS INTEGER)), 0) FROM {inc_q}""",
    ]
    with db.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
        # Rows copied with their ids: move the id sequences past them (PostgreSQL; a no-op elsewhere).
        kept = [model("records", name) for name in ("Entry", "Attachment", "SlaNotice")]
        for sql in db.ops.sequence_reset_sql(no_style(), kept):
            cursor.execute(sql)
        _constraints_now(db, cursor)


def copy_back(apps, schema_editor):  # noqa: ANN001, ANN201
    db = schema_editor.connection
    model = apps.get_model
    t, inc_q = _tables(apps, db)
    fields = [
        "response_due_at",
        "resolution_due_at",
        "response_breached",
        "resolution_breached",
        "sla_paused",
        "sla_next_check_at",
        "sla_notified",
    ]
    sets = ", ".join(f"{f} = (SELECT r.{f} FROM {t['record']} r WHERE r.id = {inc_q}.record_id)" for f in fields)
    statements = [
        f"UPDATE {inc_q} SET {sets}",
        f"""INSERT INTO {t['clock_old']} (incident_id, at, kind, severity_code)
            SELECT i.id, c.at, c.kind, c.severity_code FROM {t['clock']} c
            JOIN {inc_q} i ON i.record_id = c.record_id ORDER BY c.id""",
        f"""INSERT INTO {t['update']} (id, incident_id, author_id, author_label, author_organisation_id, channel,
            body, is_internal, created_at, email_message_id)
            SELECT e.id, i.id, e.author_id, e.author_label, e.author_organisation_id, e.channel, e.body,
            e.is_internal, e.created_at, e.email_message_id FROM {t['entry']} e JOIN {inc_q} i ON i.record_id = e.record_id""",
        f"""INSERT INTO {t['att_old']} (id, incident_id, update_id, file, filename, content_type, size, is_internal,
            uploaded_by_id, created_at)
            SELECT a.id, i.id, a.entry_id, a.file, a.filename, a.content_type, a.size, a.is_internal,
            a.uploaded_by_id, a.created_at FROM {t['att']} a JOIN {inc_q} i ON i.record_id = a.record_id""",
        f"""INSERT INTO {t['link_old']} (source_id, target_id, kind, created_at)
            SELECT s.id, g.id, l.kind, l.created_at FROM {t['link']} l
            JOIN {inc_q} s ON s.record_id = l.source_id JOIN {inc_q} g ON g.record_id = l.target_id
            WHERE l.kind IN ('duplicate_of', 'caused_by', 'related_to') ORDER BY l.id""",
        f"""INSERT INTO {t['notice_old']} (id, incident_id, clock, kind, crossed_at, raised_at)
            SELECT n.id, i.id, n.clock, n.kind, n.crossed_at, n.raised_at FROM {t['notice']} n
            JOIN {inc_q} i ON i.record_id = n.record_id""",
        f"""INSERT INTO {t['esc_old']} (slanotice_id, user_id) SELECT slanotice_id, user_id FROM {t['esc']}""",
        f"UPDATE {inc_q} SET record_id = NULL",
        f"DELETE FROM {t['esc']}",
        f"DELETE FROM {t['notice']}",
        f"DELETE FROM {t['link']}",
        f"DELETE FROM {t['att']}",
        f"DELETE FROM {t['entry']}",
        f"DELETE FROM {t['clock']}",
        f"DELETE FROM {t['record']} WHERE kind = 'incident'",
        f"DELETE FROM {t['seq']} WHERE prefix = 'INC'",
    ]
    with db.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
        kept = [model("incidents", name) for name in ("Update", "Attachment", "SlaNotice")]
        for sql in db.ops.sequence_reset_sql(no_style(), kept):
            cursor.execute(sql)
        _constraints_now(db, cursor)


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0004_list_and_search_indexes"),
        ("records", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="incident",
            name="record",
            field=models.OneToOneField(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="incident",
                to="records.record",
            ),
        ),
        migrations.RunPython(copy_to_kernel, copy_back, elidable=False),
        migrations.AlterField(
            model_name="incident",
            name="record",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT, related_name="incident", to="records.record"
            ),
        ),
        migrations.AlterField(
            model_name="incident",
            name="reference",
            field=models.CharField(max_length=20, unique=True),
        ),
        migrations.RemoveIndex(model_name="incident", name="inc_resolution_due"),
        migrations.RemoveIndex(model_name="incident", name="inc_response_due"),
        migrations.RemoveIndex(model_name="incident", name="inc_sla_next_check"),
        migrations.RemoveField(model_name="incident", name="resolution_breached"),
        migrations.RemoveField(model_name="incident", name="resolution_due_at"),
        migrations.RemoveField(model_name="incident", name="response_breached"),
        migrations.RemoveField(model_name="incident", name="response_due_at"),
        migrations.RemoveField(model_name="incident", name="sla_next_check_at"),
        migrations.RemoveField(model_name="incident", name="sla_notified"),
        migrations.RemoveField(model_name="incident", name="sla_paused"),
        migrations.DeleteModel(name="Attachment"),
        migrations.DeleteModel(name="ClockEvent"),
        migrations.DeleteModel(name="Link"),
        migrations.DeleteModel(name="SlaNotice"),
        migrations.DeleteModel(name="Update"),
    ]
