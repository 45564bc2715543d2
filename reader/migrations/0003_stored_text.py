from django.db import migrations, models


def forget_stored_renders(apps, schema_editor):
    # What was stored as pieces is rendered again on its first request, as after any deploy.
    apps.get_model("reader", "StoredRender").objects.all().delete()


def store_text_uncompressed(apps, schema_editor):
    # Served on every request: PostgreSQL keeps it out of line but uncompressed, so reading it decompresses
    # nothing (a page is tens of kilobytes, its pinyin layer about 150).
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE reader_storedrender ALTER COLUMN text SET STORAGE EXTERNAL")


class Migration(migrations.Migration):
    dependencies = [
        ("reader", "0002_image_inputs"),
    ]

    operations = [
        migrations.RunPython(forget_stored_renders, migrations.RunPython.noop),
        migrations.RemoveField(model_name="storedrender", name="pieces"),
        migrations.AddField(
            model_name="storedrender",
            name="text",
            field=models.TextField(
                default="",
                help_text="The text as rendered, with a placeholder for every value a request puts in.",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="storedrender",
            name="head",
            field=models.TextField(
                default="",
                help_text="What serving it needs beside the text, in JSON: each slot's placeholder, the "
                "front cache's tags of what it shows, and a digest of the text.",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(store_text_uncompressed, migrations.RunPython.noop),
    ]
