"""One message built once and sent to many: how the mail engine sends bulk mail fast.

Building a message with Python's email package costs about 2 ms of CPU
(parsing, folding and encoding every header and body), more than handing it to
a mail server. A mailing says the same thing to everyone who reads its
language; only the address and a few personal links differ. So a batch
renderer makes one ``Merge`` per text: Django builds the message once, the
usual way, with a placeholder where each personal value goes, and each
recipient's copy is that message's bytes with the placeholders replaced. An
email service provider's batch API ("merge data") does the same on its side.

The copy is exactly what Django would have built with the real values, or it
is not used: the bytes are made only when

- each placeholder survived encoding where it was put (a body goes as 8bit
  UTF-8 when its lines are short enough, else it is base64 encoded for each
  recipient once filled in, which costs microseconds), and
- each value is a plain run of address and URL characters, which reads the
  same in a header, in text and in HTML (no quoting, folding or escaping to do).

Otherwise ``Merge.message`` builds the recipient's message the usual way. Every
backend other than SMTP (the outbox, anymail) reads the message's fields,
which hold the real values, not the bytes.
"""

import binascii
import email.policy
import re
import secrets
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import format_datetime
from functools import partial

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.utils import DNS_NAME

# What a value may hold to be put into the bytes as it is: the characters of an
# address and of outcry's links (signed codes are URL-safe base64 with ":" and ".").
PLAIN_VALUE = re.compile(r"[A-Za-z0-9._~:/%+@-]{1,500}\Z")
NAME = re.compile(r"[a-z]{1,30}\Z")
# RFC 5322: no line longer than 998 characters; 8bit bodies must respect it too.
LONGEST_LINE = 998

# Every copy gets its own Message-ID (a placeholder like the others) and Date (the
# template's Date line, replaced).
MESSAGE_ID = "messageid"
DATE = "date"
OWN_FIELDS = (MESSAGE_ID, DATE)
# Bytes per line of a base64 body: 76 characters, as the email package writes them.
BASE64_CHUNK = 57


class PreparedMessage:
    """A recipient's copy as the bytes it is sent as (what the SMTP backend asks of a message)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def as_bytes(self, *args, **kwargs) -> bytes:
        return self.data


class MergedMessage(EmailMultiAlternatives):
    """One recipient's copy of a Merge.

    Its fields hold the real values, so any backend can send it; the SMTP
    backend, which asks for the message with the SMTP policy, gets the merged
    bytes without building them again.
    """

    def __init__(self, merge: "Merge", values: dict[str, str]) -> None:
        template = merge.template
        fill = partial(merge.fill, values=values)
        super().__init__(
            subject=template.subject,
            body=fill(template.body),
            from_email=template.from_email,
            to=[fill(address) for address in template.to],
            headers={name: fill(str(value)) for name, value in template.extra_headers.items()},
            alternatives=[(fill(content), mimetype) for content, mimetype in template.alternatives],
        )
        self.merge_values = values
        self.merge = merge

    def message(self, *, policy=email.policy.default):
        if policy is email.policy.SMTP:
            return PreparedMessage(self.merge.fill_bytes(self.merge_values))
        return super().message(policy=policy)


class Merge:
    """A message built once by *build* and filled in for each recipient.

    *build(values)* returns the EmailMultiAlternatives for the values given
    (a dict of *fields*, plus ``to``): the Merge calls it once with
    placeholders, and again with the real values for a recipient whose copy
    cannot be merged. Each copy gets its own ``Message-ID`` and ``Date``.
    """

    def __init__(
        self, build: Callable[[Mapping[str, str]], EmailMultiAlternatives], fields: list[str]
    ) -> None:
        self.nonce = nonce = secrets.token_hex(6)
        names = ["to", *fields]
        if not all(NAME.match(name) for name in names) or set(names) & set(OWN_FIELDS):
            raise ValueError(f"Merge fields are lower-case words (not {OWN_FIELDS}): {fields}")
        self.build = build
        self.placeholders = {name: f"merge{name}x{nonce}" for name in names}
        self.placeholders["to"] = f"merge{nonce}@merge.invalid"
        self.placeholders[MESSAGE_ID] = f"mergeid{nonce}@{DNS_NAME}"
        template = build(self.placeholders)
        template.extra_headers["Message-ID"] = f"<{self.placeholders[MESSAGE_ID]}>"
        self.template = template
        self.data, self.mergeable = self._template_bytes(template)

    def _template_bytes(self, template: EmailMessage) -> tuple[bytes, bool]:
        """The template's bytes as the SMTP backend would send them, and whether they merge.

        A text part goes as 8bit UTF-8, placeholders and all, when its lines allow
        (LONGEST_LINE); else it is base64 encoded for each recipient once filled in,
        and the template holds a marker in its place.
        """
        mime = template.message(policy=email.policy.SMTP)
        self.encoded_parts: list[tuple[bytes, str]] = []  # (the marker's base64, the text)
        for part in mime.walk():
            if part.get_content_maintype() != "text":
                continue
            text, subtype = part.get_content(), part.get_content_subtype()
            if max(map(len, text.encode().splitlines()), default=0) <= LONGEST_LINE:
                part.set_content(text, subtype=subtype, charset="utf-8", cte="8bit")
            else:
                marker = f"mergepart{len(self.encoded_parts)}x{self.nonce}"
                part.set_content(marker, subtype=subtype, charset="utf-8", cte="base64")
                self.encoded_parts.append((base64_body(marker), text))
        data = mime.as_bytes()
        headers_end = data.find(b"\r\n\r\n")
        date_at = data.rfind(b"\r\nDate: ", 0, headers_end) + 2
        self.date_line = (date_at, data.find(b"\r\n", date_at)) if date_at > 1 else None
        where = [
            template.body,
            *template.to,
            *(str(value) for value in template.extra_headers.values()),
            *(content for content, _mimetype in template.alternatives),
        ]
        encoded = [text for _marker, text in self.encoded_parts]

        def expected(placeholder: str) -> int:
            return sum(text.count(placeholder) for text in where) - sum(
                text.count(placeholder) for text in encoded
            )

        mergeable = (
            self.date_line is not None
            and all(data.count(marker) == 1 for marker, _text in self.encoded_parts)
            and all(
                data.count(placeholder.encode()) == expected(placeholder)
                for placeholder in self.placeholders.values()
            )
        )
        return data, mergeable

    def message(self, values: dict[str, str]) -> EmailMessage:
        """The message to one recipient (*values*: each field's value, and ``to``)."""
        if self.mergeable and all(PLAIN_VALUE.match(value) for value in values.values()):
            return MergedMessage(self, {**values, MESSAGE_ID: make_message_id()})
        return self.build(values)

    def fill(self, text: str, values: dict[str, str]) -> str:
        for name, placeholder in self.placeholders.items():
            text = text.replace(placeholder, values[name])
        return text

    def fill_bytes(self, values: dict[str, str]) -> bytes:
        start, end = self.date_line
        date = f"Date: {format_datetime(datetime.now(UTC))}".encode()
        data = self.data[:start] + date + self.data[end:]
        for name, placeholder in self.placeholders.items():
            data = data.replace(placeholder.encode(), values[name].encode())
        for marker, text in self.encoded_parts:
            data = data.replace(marker, base64_body(self.fill(text, values)))
        return data


# The merges a sender made, kept for its next batches: a text is built once per sender, not
# once per batch. Keyed by everything the message is built from, so an edited text is built
# again; at most MERGES_KEPT (the least recently used goes first). Shared by the threads of a
# process (MAIL_SEND_ON_COMMIT sends from web threads): changed under the lock only.
_merges: dict[tuple, Merge] = {}
_merges_lock = threading.Lock()
MERGES_KEPT = 64


def kept_merge(
    key: tuple, build: Callable[[Mapping[str, str]], EmailMultiAlternatives], fields: list[str]
) -> Merge:
    """The Merge kept under *key*, or a new one of *build* and *fields* (see Merge).

    *key* must hold everything *build* renders other than *fields* and ``to``: two
    recipients with the same key get the same message but for those values.
    """
    with _merges_lock:
        merge = _merges.pop(key, None)
        if merge is not None:
            _merges[key] = merge  # the newest last
            return merge
    built = Merge(build, fields=fields)  # outside the lock: it takes milliseconds
    with _merges_lock:
        merge = _merges.pop(key, built)  # another thread's, if it kept one meanwhile
        _merges[key] = merge
        while len(_merges) > MERGES_KEPT:
            del _merges[next(iter(_merges))]
    return merge


def base64_body(text: str) -> bytes:
    """*text* as a base64 body part, encoded as the email package does (CRLF lines, 76 wide)."""
    data = b"\r\n".join(text.encode().splitlines()) + b"\r\n"
    chunks = range(0, len(data), BASE64_CHUNK)
    return b"\r\n".join(
        binascii.b2a_base64(data[at : at + BASE64_CHUNK], newline=False) for at in chunks
    )


def make_message_id() -> str:
    """A new Message-ID's inside (without the angle brackets), unique like make_msgid's."""
    return f"{secrets.token_hex(12)}@{DNS_NAME}"
