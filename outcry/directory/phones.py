"""Telephone and fax numbers: read as written, stored in E.164, shown for people.

Every place that reads a number (imports, the admin, fax delivery, the phone
script) goes through here, so they all agree on what a valid number is.
"""

import functools

import phonenumbers


def _parse(raw: str, region: str) -> phonenumbers.PhoneNumber | None:
    """*raw* as a phone number, read in *region*'s plan when it has no country code."""
    try:
        return phonenumbers.parse(raw, region.upper() or None)
    except phonenumbers.NumberParseException:
        return None


@functools.lru_cache(maxsize=8192)  # imports check thousands of numbers, often the same
def e164(raw: str, *, region: str = "") -> str | None:
    """*raw* as an E.164 number ("+8227381038") if it is valid, else None.

    A number written without its country code is read in *region*'s plan.
    """
    number = _parse(raw, region)
    if number is None or not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def for_people(number: str) -> str:
    """An E.164 number written for people (+82 2-738-1038), or as stored if unreadable."""
    parsed = _parse(number, "")
    if parsed is None:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
