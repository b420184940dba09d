"""Two-factor sign-in for organisers: an authenticator app (TOTP) and backup codes.

Devices are django-otp's: one ``TOTPDevice`` (unconfirmed until the organiser
types a code from it) and one ``StaticDevice`` holding single-use backup codes.
"""

import re
from base64 import b32encode

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django_otp import devices_for_user
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

BACKUP_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"


class CodeRefused(Exception):
    """The code typed is not the one the app shows now."""


def normalise_code(code: str) -> str:
    """Codes as people type them: spaces and dashes dropped, lower case."""
    return re.sub(r"[\s-]", "", code).lower()


def has_second_factor(user: AbstractBaseUser) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def start_enrolment(*, user: AbstractBaseUser) -> TOTPDevice:
    """Return the user's unconfirmed authenticator device, creating it with a new secret.

    Idempotent until confirmed: reloading the page shows the same secret, so a code
    from an app that already scanned it still works.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it typed in: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@transaction.atomic
def confirm_enrolment(*, device: TOTPDevice, code: str) -> list[str]:
    """Turn two-factor sign-in on once *code* matches the app; return new backup codes.

    Transactional: the device is confirmed and the backup codes written together.
    Raises CodeRefused if the code does not match (or too many were wrong lately).
    """
    if not device.verify_token(normalise_code(code)):
        raise CodeRefused
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return _replace_backup_codes(device.user)


@transaction.atomic
def replace_backup_codes(*, user: AbstractBaseUser) -> list[str]:
    """Throw away the user's backup codes and return BACKUP_CODE_COUNT new ones."""
    return _replace_backup_codes(user)


def _replace_backup_codes(user: AbstractBaseUser) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def backup_codes_left(user: AbstractBaseUser) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def verify_second_factor(*, user: AbstractBaseUser, code: str) -> Device | None:
    """Return the device that accepts *code* (an app's six digits or a backup code), or None.

    A backup code is used up by this call. Each device counts its own wrong
    codes and, after a few, refuses codes for a while (django-otp's throttling);
    six digits go to the app only and anything else to the backup codes, so a
    typo in one does not slow down the other.
    """
    code = normalise_code(code)
    kind = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            if isinstance(device, kind) and device.verify_token(code):
                return device
    return None
