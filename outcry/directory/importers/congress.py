"""Members of the US Congress from unitedstates/congress-legislators (YAML).

Optional extra sources: legislators-district-offices.yaml (offices in the home
state) and contact_forms.csv (the URL of each member's web contact form).
"""

import csv
import re
from pathlib import Path
from typing import Any, TextIO

import yaml
from django.utils.translation import gettext_noop

from outcry.directory.importers.base import (
    COMPRESSION_ERRORS,
    SHIPPED_DATA,
    ChannelFacts,
    ImportFailed,
    TargetFacts,
    add_to_list,
    check_list_slug,
    close_missing,
    collect_records,
    open_text,
    parse_url,
    postal_channel,
    recorded_run,
    sync_records,
)
from outcry.directory.models import ZIP_CODE, Channel, ImportRun, Target
from outcry.directory.phones import e164

CONGRESS = "congress"
CONGRESS_URL = "https://unitedstates.github.io/congress-legislators/legislators-current.yaml"
OFFICES_URL = (
    "https://unitedstates.github.io/congress-legislators/legislators-district-offices.yaml"
)
# The copies that ship with outcry (outcry/directory/data/SOURCES.md).
SHIPPED_LEGISLATORS = SHIPPED_DATA / "legislators-current.yaml.xz"
SHIPPED_OFFICES = SHIPPED_DATA / "legislators-district-offices.yaml.xz"
SHIPPED_CONTACT_FORMS = SHIPPED_DATA / "contact_forms.csv.xz"

# Stored in English as the source is; marked so the composer can translate them.
ROLE_SENATOR = gettext_noop("Senator")
ROLE_REPRESENTATIVE = gettext_noop("Representative")
ROLE_DELEGATE = gettext_noop("Delegate")
ROLE_RESIDENT_COMMISSIONER = gettext_noop("Resident Commissioner")
# Non-voting members of the House: Washington DC and the territories.
HOUSE_DELEGATIONS = {
    "DC": ROLE_DELEGATE,
    "GU": ROLE_DELEGATE,
    "VI": ROLE_DELEGATE,
    "AS": ROLE_DELEGATE,
    "MP": ROLE_DELEGATE,
    "PR": ROLE_RESIDENT_COMMISSIONER,
}


def read_yaml(path: Path) -> Any:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        with open_text(path) as handle:
            return yaml.load(handle, Loader=loader)  # noqa: S506 (a safe loader)
    except (yaml.YAMLError, UnicodeDecodeError, *COMPRESSION_ERRORS) as error:
        raise ImportFailed(f"{path.name} is not readable YAML: {error}") from None


def read_contact_forms(path: Path) -> dict[str, str]:
    """bioguide id → the URL of the member's contact form page."""
    forms = {}
    try:
        with open_text(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            if "bioguide" not in (reader.fieldnames or []):
                raise ImportFailed(f"{path.name} is not a contact_forms file: no column bioguide.")
            for row in reader:
                url = parse_url(
                    row.get("contact_congress_form_url") or "", max_length=500
                ) or parse_url(row.get("congress_legislators_contact_form") or "", max_length=500)
                if url and row.get("bioguide"):
                    forms[row["bioguide"].strip()] = url
    except (UnicodeDecodeError, csv.Error, *COMPRESSION_ERRORS) as error:
        raise ImportFailed(f"{path.name}: {error}") from None
    return forms


_DC_ADDRESS = re.compile(
    rf"^(?P<street>.+?),?\s+Washington,?\s+D\.?C\.?,?\s+(?P<zip>{ZIP_CODE})$", re.IGNORECASE
)


def _phone_channels(
    office: dict, *, label: str, notes: list[str], where: str
) -> list[ChannelFacts]:
    channels = []
    for key, kind in (("phone", Channel.Kind.PHONE), ("fax", Channel.Kind.FAX)):
        raw = str(office.get(key) or "").strip()
        if not raw:
            continue
        if number := e164(raw, region="US"):
            channels.append(ChannelFacts(kind=kind, value=number, label=label))
        else:
            notes.append(f"{where}: {key} {raw!r} is not a valid US number; left out")
    return channels


def legislator_facts(
    member: dict, *, offices: dict[str, list], contact_forms: dict[str, str], notes: list[str]
) -> TargetFacts | str:
    """The target one legislators-current.yaml entry describes, or the reason it is skipped."""
    if not isinstance(member, dict) or not isinstance(member.get("id"), dict):
        return "an entry that is not a member"
    bioguide = str(member["id"].get("bioguide") or "")
    if not re.fullmatch(r"[A-Z]\d{6}", bioguide):
        return f"a member without a valid bioguide id ({bioguide!r})"
    where = f"bioguide:{bioguide}"
    name = member.get("name")
    terms = member.get("terms")
    if not (isinstance(name, dict) and name.get("last") and isinstance(terms, list) and terms):
        return f"{where}: no name or no term"
    term = terms[-1]
    if not isinstance(term, dict):
        return f"{where}: a term that is not a term"
    state = str(term.get("state") or "")
    if not re.fullmatch(r"[A-Z]{2}", state) or term.get("type") not in {"sen", "rep"}:
        return f"{where}: term without a state or type"
    full_name = name.get("official_full") or f"{name.get('first', '')} {name['last']}".strip()
    if term["type"] == "sen":
        role, organisation, district = ROLE_SENATOR, "United States Senate", None
    else:
        district = term.get("district")
        if not isinstance(district, int) or district < 0:
            return f"{where}: representative without a district"
        role = HOUSE_DELEGATIONS.get(state, ROLE_REPRESENTATIVE)
        organisation = "United States House of Representatives"

    dc_label = "Washington, DC office"
    channels = _phone_channels(term, label=dc_label, notes=notes, where=where)
    if address := str(term.get("address") or "").strip():
        if match := _DC_ADDRESS.match(address):
            fields = {
                "street_address": match["street"],
                "city": "Washington",
                "country_area": "DC",
                "postal_code": match["zip"],
                "country_code": "US",
            }
            channels.append(postal_channel(fields=fields, label=dc_label, notes=notes, where=where))
        else:
            notes.append(f"{where}: DC address {address!r} not understood; left out")
    form_url = contact_forms.get(bioguide) or parse_url(
        str(term.get("contact_form") or ""), max_length=500
    )
    if form_url:
        channels.append(ChannelFacts(kind=Channel.Kind.WEBFORM, value=form_url))
    for office in offices.get(bioguide, []):
        if not isinstance(office, dict):
            continue
        city = str(office.get("city") or "").strip()
        label = f"{city} office" if city else "District office"
        office_where = f"{where} office {office.get('id', '?')}"
        channels += _phone_channels(office, label=label, notes=notes, where=office_where)
        street = [str(office.get(key) or "").strip() for key in ("building", "address", "suite")]
        street = [line for line in street if line]
        if street and city:
            fields = {
                "street_address": "\n".join(street),
                "city": city,
                "country_area": str(office.get("state") or state),
                "postal_code": str(office.get("zip") or ""),
                "country_code": "US",
            }
            channels.append(
                postal_channel(fields=fields, label=label, notes=notes, where=office_where)
            )

    return TargetFacts(
        external_id=f"bioguide:{bioguide}",
        facts={
            "category": Target.Category.LEGISLATOR,
            "name": full_name[:200],
            "role": role,
            "organisation": organisation,
            "country": "US",
            "region": state,
            "district": district,
            "city": "Washington",
            "website": parse_url(str(term.get("url") or "")) or "",
            "salutation": f"Dear {role} {name['last']}"[:120],
        },
        defaults={"languages": "en"},
        channels=channels,
    )


def import_congress(
    *,
    path: Path,
    source: str,
    offices_path: Path | None = None,
    contact_forms_path: Path | None = None,
    list_slug: str | None = None,
    list_name: str | None = None,
    allow_removals: bool = False,
    stream: TextIO | None = None,
) -> ImportRun:
    """Import the current members of the US Congress from legislators-current.yaml.

    District offices (legislators-district-offices.yaml) and contact form URLs
    (contact_forms.csv) are optional. Members imported before and no longer
    listed are closed. Idempotent and transactional; raises ImportFailed.
    """
    check_list_slug(list_slug)
    members = read_yaml(path)
    if not isinstance(members, list) or not members:
        raise ImportFailed(f"{path.name} is not a list of legislators.")
    offices: dict[str, list] = {}
    if offices_path is not None:
        entries = read_yaml(offices_path)
        if not isinstance(entries, list):
            raise ImportFailed(f"{offices_path.name} is not a list of district offices.")
        for entry in entries:
            if (
                isinstance(entry, dict)
                and isinstance(entry.get("id"), dict)
                and isinstance(entry.get("offices"), list)
            ):
                offices[str(entry["id"].get("bioguide"))] = entry["offices"]
    contact_forms = read_contact_forms(contact_forms_path) if contact_forms_path else {}

    with recorded_run(kind=CONGRESS, source=source) as (run, tally):
        records = collect_records(
            (
                (
                    f"member {number}",
                    legislator_facts(
                        member, offices=offices, contact_forms=contact_forms, notes=tally.notes
                    ),
                )
                for number, member in enumerate(members, start=1)
            ),
            tally=tally,
        )
        if not records:
            raise ImportFailed(f"{path.name}: no members could be read (see the notes).")
        sync_records(records, run=run, tally=tally, label="members of Congress", stream=stream)
        tally.removed = close_missing(
            targets=Target.objects.filter(
                external_id__startswith="bioguide:", category=Target.Category.LEGISLATOR
            ),
            seen=set(records),
            source=source,
            allow_removals=allow_removals,
        )
        if list_slug:
            add_to_list(slug=list_slug, name=list_name, external_ids=records)
    return run
