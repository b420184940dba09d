"""Admin for the letters app.

Letter actions and templates have their admin in admin_letters.py (imported
here), letters and deliveries in admin_delivery.py (registered from
LettersConfig.ready). The target directory's admin is outcry/directory/admin.py.
"""

from outcry.letters import admin_letters  # noqa: F401
