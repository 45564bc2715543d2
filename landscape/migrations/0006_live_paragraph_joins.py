# Quotes and figures reach their live paragraph on their own paragraph column: no column, no table change.

import django.db.models.deletion
import django.db.models.fields.related
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("landscape", "0005_logos_and_portraits"),
    ]

    operations = [
        migrations.AddField(
            model_name="figure",
            name="live",
            field=django.db.models.fields.related.ForeignObject(
                from_fields=["paragraph"],
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="landscape.liveparagraph",
                to_fields=["paragraph"],
            ),
        ),
        migrations.AddField(
            model_name="quote",
            name="live",
            field=django.db.models.fields.related.ForeignObject(
                from_fields=["paragraph"],
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="landscape.liveparagraph",
                to_fields=["paragraph"],
            ),
        ),
    ]
