"""The target directory's models, taken over from letters with their tables and rows.

State only: letters' 0009_directory_tables_renamed already renamed the tables
to directory_*, so the database is exactly what these models describe. A new
database gets the tables from letters' migrations 0001-0009, as every existing
one did.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('letters', '0009_directory_tables_renamed'),
        ('campaigns', '0006_partnerinvitation'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ImportRun',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(max_length=40, verbose_name='kind')),
                        ('source', models.CharField(help_text='File path or URL.', max_length=500, verbose_name='source')),
                        ('started_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='started')),
                        ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished')),
                        ('created_count', models.PositiveIntegerField(default=0, verbose_name='rows created')),
                        ('updated_count', models.PositiveIntegerField(default=0, verbose_name='rows updated')),
                        ('unchanged_count', models.PositiveIntegerField(default=0, verbose_name='rows unchanged')),
                        ('skipped_count', models.PositiveIntegerField(default=0, verbose_name='rows skipped')),
                        ('removed_count', models.PositiveIntegerField(default=0, help_text='Rows closed or deleted because the source no longer lists them.', verbose_name='rows removed')),
                        ('notes', models.TextField(blank=True, verbose_name='notes')),
                    ],
                    options={
                        'verbose_name': 'import run',
                        'verbose_name_plural': 'import runs',
                        'ordering': ['-started_at'],
                    },
                ),
                migrations.CreateModel(
                    name='Target',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('external_id', models.CharField(blank=True, help_text='Identifier in the source data, e.g. “wikidata:Q1073835” or “bioguide:C000127”.', max_length=100, null=True, unique=True, verbose_name='external id')),
                        ('category', models.CharField(choices=[('embassy', 'embassy'), ('consulate', 'consulate'), ('legislator', 'legislator'), ('government', 'government'), ('international', 'international body'), ('other', 'other')], default='other', max_length=20, verbose_name='category')),
                        ('name', models.CharField(help_text='A person or an office.', max_length=200, verbose_name='name')),
                        ('role', models.CharField(blank=True, max_length=120, verbose_name='role')),
                        ('organisation', models.CharField(blank=True, max_length=300, verbose_name='organisation')),
                        ('represents', models.CharField(blank=True, help_text='For a diplomatic mission: the sending country (ISO code, e.g. CN).', max_length=2, verbose_name='represents')),
                        ('country', models.CharField(help_text='ISO 3166 code.', max_length=2, verbose_name='country')),
                        ('region', models.CharField(blank=True, help_text='e.g. US state', max_length=40, verbose_name='region')),
                        ('district', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='district')),
                        ('city', models.CharField(blank=True, max_length=120, verbose_name='city')),
                        ('latitude', models.FloatField(blank=True, null=True, verbose_name='latitude')),
                        ('longitude', models.FloatField(blank=True, null=True, verbose_name='longitude')),
                        ('website', models.URLField(blank=True, max_length=300, verbose_name='website')),
                        ('languages', models.CharField(blank=True, default='en', max_length=60, verbose_name='languages for correspondence')),
                        ('salutation', models.CharField(blank=True, help_text='e.g. “Your Excellency”', max_length=120, verbose_name='salutation')),
                        ('is_closed', models.BooleanField(default=False, verbose_name='closed')),
                        ('closed_on', models.DateField(blank=True, null=True, verbose_name='closed on')),
                        ('closed_reason', models.CharField(blank=True, max_length=300, verbose_name='why closed')),
                        ('is_closed_by_import', models.BooleanField(default=False, verbose_name='closed by an import')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                        ('import_run', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='targets', to='directory.importrun', verbose_name='import run')),
                    ],
                    options={
                        'verbose_name': 'target',
                        'verbose_name_plural': 'targets',
                        'ordering': ['country', 'city', 'name'],
                    },
                ),
                migrations.CreateModel(
                    name='Channel',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('email', 'email'), ('fax', 'fax'), ('post', 'post'), ('webform', 'web form'), ('phone', 'phone')], max_length=10, verbose_name='kind')),
                        ('value', models.CharField(help_text='Email address, phone or fax number in E.164 (+82…), web form URL, or the postal address as printed.', max_length=500, verbose_name='address')),
                        ('postal_address', models.JSONField(blank=True, default=dict, help_text='Structured address (street_address, city, postal_code, country_code…).', verbose_name='postal address fields')),
                        ('label', models.CharField(blank=True, help_text='e.g. “DC office”', max_length=120, verbose_name='label')),
                        ('char_limit', models.PositiveIntegerField(blank=True, help_text='Longest message the channel accepts (e.g. 2,500 for a web form).', null=True, verbose_name='character limit')),
                        ('status', models.CharField(choices=[('active', 'active'), ('bouncing', 'bouncing'), ('closed', 'closed')], default='active', max_length=10, verbose_name='status')),
                        ('verified_on', models.DateField(blank=True, null=True, verbose_name='verified on')),
                        ('import_kind', models.CharField(blank=True, help_text='The import that manages this channel. Channels entered by hand have none, and imports never change them.', max_length=40, verbose_name='kept up to date by')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                        ('target', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='channels', to='directory.target', verbose_name='target')),
                    ],
                    options={
                        'verbose_name': 'channel',
                        'verbose_name_plural': 'channels',
                        'ordering': ['kind', 'label', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='AddressReport',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('note', models.TextField(max_length=2000, verbose_name='what is wrong')),
                        ('reported_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='reported')),
                        ('resolved_at', models.DateTimeField(blank=True, null=True, verbose_name='resolved')),
                        ('reported_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='proposed by')),
                        ('channel', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='reports', to='directory.channel', verbose_name='channel')),
                        ('target', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reports', to='directory.target', verbose_name='target')),
                    ],
                    options={
                        'verbose_name': 'address report',
                        'verbose_name_plural': 'address reports',
                        'ordering': ['-reported_at'],
                    },
                ),
                migrations.CreateModel(
                    name='TargetList',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('slug', models.SlugField(max_length=80, unique=True, verbose_name='slug')),
                        ('name', models.CharField(max_length=200, verbose_name='name')),
                        ('description', models.TextField(blank=True, verbose_name='description')),
                        ('organisation', models.ForeignKey(blank=True, help_text="Its organisers change the list. Empty: shared by every organisation, changed only by the site's administrators.", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='target_lists', to='campaigns.organisation', verbose_name='owned by')),
                        ('targets', models.ManyToManyField(blank=True, related_name='lists', to='directory.target', verbose_name='targets')),
                    ],
                    options={
                        'verbose_name': 'target list',
                        'verbose_name_plural': 'target lists',
                        'ordering': ['name'],
                    },
                ),
                migrations.CreateModel(
                    name='ZipDistrict',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('zcta', models.CharField(db_index=True, max_length=5, verbose_name='ZIP code')),
                        ('state', models.CharField(max_length=2, verbose_name='state')),
                        ('district', models.PositiveSmallIntegerField(help_text='0 for an at-large seat', verbose_name='district')),
                    ],
                    options={
                        'verbose_name': 'ZIP code district',
                        'verbose_name_plural': 'ZIP code districts',
                        'constraints': [models.UniqueConstraint(fields=('zcta', 'state', 'district'), name='one_zip_district')],
                    },
                ),
                migrations.AddIndex(
                    model_name='target',
                    index=models.Index(fields=['country', 'region', 'district'], name='directory_t_country_813519_idx'),
                ),
                migrations.AddIndex(
                    model_name='target',
                    index=models.Index(fields=['represents', 'category'], name='directory_t_represe_3dc7fc_idx'),
                ),
                migrations.AddConstraint(
                    model_name='channel',
                    constraint=models.UniqueConstraint(fields=('target', 'kind', 'value'), name='one_channel_per_value'),
                ),
            ],
            database_operations=[],
        ),
    ]
