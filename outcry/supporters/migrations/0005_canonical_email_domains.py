"""Store every supporter's address with its domain as IDNA maps it (``normalise_email``).

An address whose canonical form no other supporter has is rewritten to it (the
same mailbox, spelt one way). Where two supporters turn out to be one mailbox
(min@example.org and min@ｅxample.org), both rows are left exactly as they
are and a warning names their ids: merging them would move signatures,
letters and consents across apps, and two signatures of one petition cannot
both belong to one supporter, so a person decides (see docs/operations.md).
"""

import logging

from django.db import migrations

from outcry.supporters.models import normalise_email

logger = logging.getLogger("outcry.supporters")


def canonical_emails(apps, schema_editor):
    Supporter = apps.get_model("supporters", "Supporter")
    holder = dict(Supporter.objects.values_list("email", "pk"))
    for pk, email in Supporter.objects.order_by("pk").values_list("pk", "email"):
        canonical = normalise_email(email)
        if canonical == email:
            continue
        if canonical in holder:
            logger.warning(
                "Supporters %s and %s are one mailbox spelt two ways; both kept unchanged, "
                "for a superuser to merge.",
                holder[canonical],
                pk,
            )
            continue
        Supporter.objects.filter(pk=pk).update(email=canonical)
        holder[canonical] = pk


class Migration(migrations.Migration):
    dependencies = [
        ("supporters", "0004_supporter_erased_at"),
    ]

    operations = [
        migrations.RunPython(canonical_emails, migrations.RunPython.noop, elidable=True),
    ]
