"""Fill the target directory from public data: diplomatic missions, the US Congress, ZIP codes.

One module per source (missions, congress, zip_districts), sharing base. A copy
of each source ships in outcry/directory/data/ (its SOURCES.md gives origin,
version and licence), read when no other file or URL is given; the canonical
URLs to refresh from are listed in docs/operations.md.

Every import is idempotent: targets are keyed by ``Target.external_id``
("wikidata:Q…", "bioguide:…") and channels by (target, kind, value), so a
second run updates what changed and duplicates nothing. Each run is recorded
as an ImportRun, and its changes happen in one transaction: a run that fails
half-way changes nothing.

What the source states (place, coordinates, phone numbers, a legislator's
district) is kept in step with it. What an import only guesses for a new
target (the name of a mission, its salutation, its languages) is set once and
then left to organisers. Channels entered by hand are never touched, and a
channel an organiser edits becomes theirs (the admin clears its import_kind).
Targets the source no longer lists are closed, never deleted, and a target an
organiser closed by hand is never re-opened.
"""

from outcry.directory.importers.base import (
    DOWNLOAD_TIMEOUT_SECONDS,
    ImportFailed,
    is_url,
    local_copy,
)
from outcry.directory.importers.congress import (
    CONGRESS_URL,
    OFFICES_URL,
    SHIPPED_CONTACT_FORMS,
    SHIPPED_LEGISLATORS,
    SHIPPED_OFFICES,
    import_congress,
)
from outcry.directory.importers.missions import MISSIONS_URL, SHIPPED_MISSIONS, import_missions
from outcry.directory.importers.zip_districts import (
    SHIPPED_ZIP_DISTRICTS,
    ZIP_DISTRICTS_URL,
    import_zip_districts,
)

__all__ = [
    "CONGRESS_URL",
    "DOWNLOAD_TIMEOUT_SECONDS",
    "MISSIONS_URL",
    "OFFICES_URL",
    "SHIPPED_CONTACT_FORMS",
    "SHIPPED_LEGISLATORS",
    "SHIPPED_MISSIONS",
    "SHIPPED_OFFICES",
    "SHIPPED_ZIP_DISTRICTS",
    "ZIP_DISTRICTS_URL",
    "ImportFailed",
    "import_congress",
    "import_missions",
    "import_zip_districts",
    "is_url",
    "local_copy",
]
