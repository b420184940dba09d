from django.contrib.admin.apps import AdminConfig


class OutcryAdminConfig(AdminConfig):
    """django.contrib.admin with outcry's admin site as the default ``admin.site``."""

    default_site = "outcry.core.accounts.site.OrganiserAdminSite"
