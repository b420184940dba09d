"""A petition text's language is chosen from the content languages, as a campaign text's is.

It used to be free text, and took "kr" for Korean: such a text was never shown, since
the page looks for "ko". The codes people typed for a known language are mapped to it,
unless the petition already has a text in that language (then the row is left as it
is, for an organiser to merge by hand; the admin now shows its language as unknown).
"""

from django.db import migrations, models

# What organisers typed, in lower case, for a content language.
ALIASES = {
    "kr": "ko",
    "kor": "ko",
    "ko-kr": "ko",
    "korean": "ko",
    "한국어": "ko",
    "eng": "en",
    "en-us": "en",
    "en-gb": "en",
    "english": "en",
    "zh": "zh-hans",
    "zh-cn": "zh-hans",
    "cn": "zh-hans",
    "chinese": "zh-hans",
}


def map_aliases(apps, schema_editor):
    PetitionText = apps.get_model("petitions", "PetitionText")
    for text in PetitionText.objects.all():
        code = ALIASES.get(text.language.strip().lower(), text.language.strip().lower())
        if code == text.language:
            continue
        taken = PetitionText.objects.filter(petition_id=text.petition_id, language=code)
        if not taken.exists():
            text.language = code
            text.save(update_fields=["language"])


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0007_public_count_waits_for_a_confirmed_address"),
    ]

    operations = [
        migrations.RunPython(map_aliases, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="petitiontext",
            name="language",
            field=models.CharField(
                choices=[("en", "English"), ("ko", "한국어"), ("zh-hans", "中文")],
                max_length=10,
                verbose_name="language",
            ),
        ),
    ]
