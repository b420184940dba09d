"""Rename the target directory's tables (and two named indexes) for the directory app.

The models move from letters to outcry/directory (issue 10). The rows stay where
they are: each table is renamed (letters_target → directory_target, and so on,
with the list's many-to-many table), which keeps every row, key and foreign key
constraint. Then outcry/directory's 0001_initial takes the models over in the
migration state and letters' 0010_directory_models_moved lets go of them.
"""

from django.db import migrations

TABLES = ["importrun", "target", "channel", "targetlist", "zipdistrict", "addressreport"]


class Migration(migrations.Migration):
    dependencies = [
        ("letters", "0008_merge_confirmation_and_list_owners"),
    ]

    operations = [
        *(migrations.AlterModelTable(name, f"directory_{name}") for name in TABLES),
        # Index names are derived from the table name: give them the names the
        # directory app's models expect, so a later change to an index finds it.
        migrations.RenameIndex(
            "target",
            new_name="directory_t_country_813519_idx",
            old_name="letters_tar_country_ec81e9_idx",
        ),
        migrations.RenameIndex(
            "target",
            new_name="directory_t_represe_3dc7fc_idx",
            old_name="letters_tar_represe_c4f240_idx",
        ),
    ]
