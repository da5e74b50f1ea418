"""Installation defaults (see busbar/requests/defaults.py): ordinary data the operator changes afterwards."""

from django.db import migrations


def forward(apps, schema_editor):  # noqa: ANN001, ANN201
    from busbar.requests.defaults import ensure

    ensure(apps)


class Migration(migrations.Migration):
    dependencies = [("requests", "0001_initial"), ("services", "0002_default_policy")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
