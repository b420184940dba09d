"""Move every petition's counter shards from petitions.CounterShard, keyed ``petition:<id>``."""

from django.db import migrations


def copy_from_petitions(apps, schema_editor):
    Old = apps.get_model("petitions", "CounterShard")
    New = apps.get_model("actions", "CounterShard")
    New.objects.bulk_create(
        [
            New(key=f"petition:{row.petition_id}", shard=row.shard, count=row.count)
            for row in Old.objects.iterator()
        ],
        batch_size=1000,
    )


def copy_to_petitions(apps, schema_editor):
    Old = apps.get_model("petitions", "CounterShard")
    New = apps.get_model("actions", "CounterShard")
    rows = New.objects.filter(key__startswith="petition:")
    Old.objects.bulk_create(
        [
            Old(petition_id=int(row.key.split(":", 1)[1]), shard=row.shard, count=row.count)
            for row in rows.iterator()
        ],
        batch_size=1000,
    )
    rows.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("actions", "0001_counter_shards"),
        ("petitions", "0005_merge_signature_names_and_flags"),
    ]

    operations = [migrations.RunPython(copy_from_petitions, copy_to_petitions)]
