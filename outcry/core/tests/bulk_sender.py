"""``manage.py send_mail`` with a plain bulk purpose registered, for tests that kill it.

    python -m outcry.core.tests.bulk_sender [send_mail options]

The purpose ``test-bulk`` writes to the ledger row's subject: subject id N is
``reader-N@example.org``, in Korean for even N, in English for odd N.
"""

import sys

import django


def bulk_email(*, subject_id: int, round_: int = 0, queued: bool = False):
    # Imported once Django is set up (the renderer runs after django.setup()).
    from django.conf import settings
    from django.core.mail import EmailMessage

    from outcry.core.ledger import Email

    to = f"reader-{subject_id}@example.org"
    korean = subject_id % 2 == 0
    message = EmailMessage(
        subject=f"소식 {subject_id}" if korean else f"News {subject_id}",
        body="캠페인 소식입니다." if korean else "News of the campaign.",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={
            "Content-Language": "ko" if korean else "en",
            "List-Unsubscribe": f"<https://example.org/unsubscribe/{subject_id}/>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    return Email(to=to, message=message)


def main() -> None:
    django.setup()
    from django.core.management import call_command

    from outcry.core.ledger import register_email

    register_email("test-bulk", bulk_email)
    call_command("send_mail", *sys.argv[1:])


if __name__ == "__main__":
    main()
