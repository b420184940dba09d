"""Move the directory models' content types from app_label "letters" to "directory".

Permissions (and so the Organisers group and any permission granted by hand),
the admin's log and anything else that points at a content type keep pointing
at the same rows: the rows are relabelled, not recreated. A new database has
no such rows yet (post_migrate creates them after the migrations) and nothing
happens.

If a post_migrate already created the directory's own rows (someone migrated
only some apps first), they are folded into the old ones: their permissions'
grants move to the old permissions of the same codename, their log entries to
the old content type, and then they are deleted.
"""

from django.db import migrations

MODELS = ["importrun", "target", "channel", "targetlist", "zipdistrict", "addressreport"]


def _fold(apps, db, *, keep, drop) -> None:
    """Point everything that refers to content type *drop* at *keep*, then delete *drop*."""
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    User = apps.get_model("auth", "User")
    LogEntry = apps.get_model("admin", "LogEntry")
    group_grants = Group.permissions.through.objects.using(db)
    user_grants = User.user_permissions.through.objects.using(db)
    for permission in Permission.objects.using(db).filter(content_type=drop):
        twin = (
            Permission.objects.using(db)
            .filter(content_type=keep, codename=permission.codename)
            .first()
        )
        if twin is None:
            permission.content_type = keep
            permission.save(update_fields=["content_type"])
            continue
        for grants, owner in ((group_grants, "group_id"), (user_grants, "user_id")):
            already = grants.filter(permission=twin).values_list(owner, flat=True)
            grants.filter(permission=permission).exclude(**{f"{owner}__in": already}).update(
                permission=twin
            )
        permission.delete()
    LogEntry.objects.using(db).filter(content_type=drop).update(content_type=keep)
    drop.delete()


def _relabel(apps, schema_editor, *, old_label: str, new_label: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    types = ContentType.objects.using(db)
    for model in MODELS:
        old = types.filter(app_label=old_label, model=model).first()
        if old is None:
            continue
        new = types.filter(app_label=new_label, model=model).first()
        if new is not None:
            _fold(apps, db, keep=old, drop=new)
        old.app_label = new_label
        old.save(update_fields=["app_label"])
    ContentType.objects.clear_cache()


def forwards(apps, schema_editor) -> None:
    _relabel(apps, schema_editor, old_label="letters", new_label="directory")


def backwards(apps, schema_editor) -> None:
    _relabel(apps, schema_editor, old_label="directory", new_label="letters")


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("admin", "0003_logentry_add_action_flag_choices"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
