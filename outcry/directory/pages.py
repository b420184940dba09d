"""What the public directory shows of a mission: its details and its schema.org data.

Plain reads. Only what is meant for the public: no notes, no import bookkeeping,
no channel that is closed.
"""

import json
from dataclasses import dataclass, field

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from outcry.core.countries import country_name
from outcry.directory.hours import described, schema_values
from outcry.directory.models import Channel, Target
from outcry.directory.naming import office_name

# Characters that could end the <script> element or open a comment, as JSON escapes
# (what django.utils.html.json_script does; it cannot set type="application/ld+json").
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@dataclass
class Office:
    """A mission as a directory page shows it."""

    target: Target
    name: str
    addresses: list[Channel] = field(default_factory=list)
    phones: list[Channel] = field(default_factory=list)
    faxes: list[Channel] = field(default_factory=list)
    emails: list[Channel] = field(default_factory=list)
    webforms: list[Channel] = field(default_factory=list)
    write_url: str = ""

    @property
    def hours(self) -> list[str]:
        """The opening hours in the active language, a line per rule (empty if unknown)."""
        return described(self.target.opening_hours, get_language() or "en")

    @property
    def json_ld(self) -> SafeString:
        """schema.org GovernmentOffice data, safe to put inside a <script> element."""
        return mark_safe(  # noqa: S308 - the escapes above leave no markup
            json.dumps(self.schema(), ensure_ascii=False).translate(_SCRIPT_ESCAPES)
        )

    def schema(self) -> dict:
        target = self.target
        data: dict = {
            "@context": "https://schema.org",
            "@type": "GovernmentOffice",
            "name": self.name,
        }
        if target.website:
            data["url"] = target.website
        if self.addresses:
            data["address"] = postal_address(self.addresses[0], target)
        elif target.city:
            data["address"] = {
                "@type": "PostalAddress",
                "addressLocality": target.city,
                "addressCountry": target.country,
            }
        if self.phones:
            data["telephone"] = self.phones[0].value
        if self.faxes:
            data["faxNumber"] = self.faxes[0].value
        if self.emails:
            data["email"] = self.emails[0].value
        if hours := schema_values(target.opening_hours):
            data["openingHours"] = hours[0] if len(hours) == 1 else hours
        if target.latitude is not None and target.longitude is not None:
            data["geo"] = {
                "@type": "GeoCoordinates",
                "latitude": target.latitude,
                "longitude": target.longitude,
            }
        if target.represents:
            data["parentOrganization"] = {
                "@type": "GovernmentOrganization",
                "name": country_name(target.represents, "en"),
            }
        return data


def postal_address(channel: Channel, target: Target) -> dict:
    fields = channel.postal_address or {}
    address = {"@type": "PostalAddress"}
    for key, name in [
        ("street_address", "streetAddress"),
        ("city", "addressLocality"),
        ("country_area", "addressRegion"),
        ("postal_code", "postalCode"),
    ]:
        if fields.get(key):
            address[name] = str(fields[key])
    if "streetAddress" not in address:
        address["streetAddress"] = " ".join(channel.value.split())
    address["addressCountry"] = str(fields.get("country_code") or target.country)
    return address


def office(target: Target, *, write_url: str = "") -> Office:
    """*target* (channels prefetched) as its page shows it; closed channels left out."""
    shown = Office(target=target, name=office_name(target), write_url=write_url)
    lists = {
        Channel.Kind.POST: shown.addresses,
        Channel.Kind.PHONE: shown.phones,
        Channel.Kind.FAX: shown.faxes,
        Channel.Kind.EMAIL: shown.emails,
        Channel.Kind.WEBFORM: shown.webforms,
    }
    for channel in target.channels.all():
        if channel.status != Channel.Status.CLOSED and channel.kind in lists:
            lists[channel.kind].append(channel)
    return shown
