from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "outcry.directory"
    label = "directory"
    verbose_name = _("target directory")

    def ready(self) -> None:
        # Organisers read the audit events about the targets and lists their
        # campaigns write to. (Imported here: the admin needs the app registry.)
        from outcry.core.audit import register_audience
        from outcry.directory.admin import lists_in_use_by, targets_in_use_by

        register_audience("target", targets_in_use_by)
        register_audience("targetlist", lists_in_use_by)
