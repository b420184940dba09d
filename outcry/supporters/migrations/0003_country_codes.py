"""Supporters' countries become ISO codes ("Korea" → "KR"), shown in each reader's language.

A country typed as free text before is turned into its code when it is a
country's name in a language the site offers; anything else is kept as typed
(shown as it is), so nothing is lost.
"""

from django.db import migrations


def names_to_codes(apps, schema_editor):
    from outcry.core.countries import country_code

    Supporter = apps.get_model("supporters", "Supporter")
    for supporter in Supporter.objects.exclude(country="").only("pk", "country").iterator():
        code = country_code(supporter.country)
        if code and code != supporter.country:
            Supporter.objects.filter(pk=supporter.pk).update(country=code)


class Migration(migrations.Migration):
    dependencies = [
        ("supporters", "0002_verbose_names_2"),
    ]

    operations = [
        migrations.RunPython(names_to_codes, migrations.RunPython.noop, elidable=True),
    ]
