"""Move the target directory's models to the directory app: the state only.

The tables were renamed by 0009_directory_tables_renamed and outcry/directory's
0001_initial took the models over in its state; here letters forgets them, and
its foreign keys (LetterAction.target_list, Delivery.target, Delivery.channel)
point at directory's models. Nothing changes in the database: the foreign key
constraints already reference the renamed tables.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('directory', '0001_initial'),
        ('letters', '0009_directory_tables_renamed'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='addressreport',
                    name='channel',
                ),
                migrations.RemoveField(
                    model_name='addressreport',
                    name='reported_by',
                ),
                migrations.RemoveField(
                    model_name='addressreport',
                    name='target',
                ),
                migrations.RemoveConstraint(
                    model_name='channel',
                    name='one_channel_per_value',
                ),
                migrations.AlterField(
                    model_name='delivery',
                    name='channel',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='deliveries', to='directory.channel', verbose_name='address used'),
                ),
                migrations.RemoveIndex(
                    model_name='target',
                    name='letters_tar_country_ec81e9_idx',
                ),
                migrations.RemoveIndex(
                    model_name='target',
                    name='letters_tar_represe_c4f240_idx',
                ),
                migrations.RemoveField(
                    model_name='targetlist',
                    name='targets',
                ),
                migrations.AlterField(
                    model_name='delivery',
                    name='target',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='deliveries', to='directory.target', verbose_name='target'),
                ),
                migrations.RemoveField(
                    model_name='targetlist',
                    name='organisation',
                ),
                migrations.AlterField(
                    model_name='letteraction',
                    name='target_list',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='actions', to='directory.targetlist', verbose_name='targets'),
                ),
                migrations.RemoveConstraint(
                    model_name='zipdistrict',
                    name='one_zip_district',
                ),
                migrations.DeleteModel(
                    name='ZipDistrict',
                ),
                migrations.DeleteModel(
                    name='AddressReport',
                ),
                migrations.RemoveField(
                    model_name='channel',
                    name='target',
                ),
                migrations.RemoveField(
                    model_name='target',
                    name='import_run',
                ),
                migrations.DeleteModel(
                    name='TargetList',
                ),
                migrations.DeleteModel(
                    name='Channel',
                ),
                migrations.DeleteModel(
                    name='ImportRun',
                ),
                migrations.DeleteModel(
                    name='Target',
                ),
            ],
            database_operations=[],
        ),
    ]
