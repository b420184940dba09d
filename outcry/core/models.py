"""The delivery ledger: one row per outbound message, written before it is sent."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LedgerEntry(models.Model):
    """Abstract base for anything outcry sends (email, fax, letter, webhook).

    The unique ``idempotency_key`` is written before sending, and a worker claims
    a row by moving it from QUEUED to SENDING with a conditional update, so two
    workers, a retry or a restart never send the same message twice.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempt_count = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # When a worker last took the row: one left SENDING long ago was interrupted.
    claimed_at = models.DateTimeField(_("sending since"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # When a row waiting for another attempt is due (core.ledger.schedule); the
    # periodic sweep queues rows whose time came and whose task never did.
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)

    class Meta:
        abstract = True

    # The row's own steps. Where they fit in (backoff, giving up, recovery after a
    # crash) is core/ledger.py.

    def claim(self) -> bool:
        """Take this row for sending (QUEUED → SENDING) and count the attempt; False if not ours."""
        claimed = (
            type(self)
            .objects.filter(pk=self.pk, status=self.Status.QUEUED)
            .update(
                status=self.Status.SENDING,
                attempt_count=models.F("attempt_count") + 1,
                claimed_at=timezone.now(),
            )
        )
        return claimed == 1

    def mark_sent(self, **fields) -> None:
        """Record this claimed row sent, with any *fields* of its own (a provider reference)."""
        type(self).objects.filter(pk=self.pk).update(
            status=self.Status.SENT,
            sent_at=timezone.now(),
            last_error="",
            next_attempt_at=None,
            **fields,
        )

    def send(self, message) -> None:
        """Send *message* for this claimed row: mark it sent, or queued again with the error.

        The error is re-raised, so the caller can retry or give up (core.ledger.retry_or_fail).
        """
        try:
            message.send()
        except Exception as error:
            self.mark_retry(f"{type(error).__name__}: {error}")
            raise
        self.mark_sent()

    def mark_retry(self, error: str, **fields) -> None:
        """Give this claimed row back to the queue with *error*, for another attempt."""
        type(self).objects.filter(pk=self.pk).update(
            status=self.Status.QUEUED, last_error=error[:2000], **fields
        )

    def mark_failed(self, error: str = "", **fields) -> None:
        """Give up on this row for good, with *error* (or keeping the last one).

        Only a row still waiting or being sent: one that a duplicate worker sent
        meanwhile stays sent.
        """
        if error:
            fields["last_error"] = error[:2000]
        type(self).objects.filter(
            pk=self.pk, status__in=[self.Status.QUEUED, self.Status.SENDING]
        ).update(status=self.Status.FAILED, next_attempt_at=None, **fields)


class OutgoingEmail(LedgerEntry):
    """One email to one person: a confirmation link, a data-export link, a mailing's copy.

    Written (``core.mail.engine.queue``) in the transaction that decides to send
    it, then claimed in batches and sent by the senders (``manage.py send_mail``).
    SENDING means claimed by the sender named in ``claimed_by``.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        # A bulk email whose sender died while it was on the wire: it may or may not
        # have left, and bulk mail is never sent twice, so it is counted, not resent.
        IN_DOUBT = "in-doubt", _("in doubt")
        # Nothing to send once its turn came (the signature was gone or confirmed).
        SKIPPED = "skipped", _("skipped")

    class Priority(models.IntegerChoices):
        # Lower goes first: a confirmation never waits behind a mailing.
        TRANSACTIONAL = 0, _("transactional")
        BULK = 1, _("bulk")

    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    to_address = models.EmailField(_("to"), max_length=254)
    purpose = models.CharField(_("purpose"), max_length=60)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.TRANSACTIONAL
    )
    # The sender (host and slot) that claimed the row; it settles its own claims
    # when it starts again after a crash (core.mail.engine).
    claimed_by = models.CharField(_("claimed by"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        indexes = [
            models.Index(fields=["status", "created_at"]),
            # The senders' claim: queued rows by priority, then by due time.
            models.Index(
                fields=["status", "priority", "next_attempt_at", "id"], name="core_email_due"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} → {self.to_address} ({self.get_status_display()})"


class AppendOnly(Exception):
    """Someone tried to change or delete an audit event."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnly("The audit log is append-only.")

    def delete(self):
        raise AppendOnly("The audit log is append-only.")


class AuditEvent(models.Model):
    """A record that someone did something sensitive: exported personal data, changed a contact.

    Rows are only ever added: saving an existing row, deleting one, or updating
    or deleting through ``AuditEvent.objects`` raises AppendOnly, so no code
    path of the app can edit the log. (Deleting a user or an organisation still
    empties ``actor``/``organisation`` through Django's base manager; the copied
    username keeps naming the actor.)
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_username = models.CharField(_("actor's username"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=60, help_text=_("e.g. “export-signatures”"))
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    organisation = models.ForeignKey(
        "campaigns.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    # What the event is about, e.g. ("target", 12): the organisations whose work
    # depends on that row may read the event (core.audit.visible_events). Plain
    # values, not a foreign key, so the record outlives the row and core depends
    # on no later app.
    subject_type = models.CharField(_("about a"), max_length=30, blank=True, db_index=True)
    subject_id = models.PositiveBigIntegerField(_("about row"), null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_username} {self.action}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnly("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("The audit log is append-only.")


class RateCounter(models.Model):
    """One rate-limit counter, shared by every web process through the database.

    Used where no Redis is configured (core/ratelimit.py): the default cache then
    lives in each process, and a limit counted there lets N processes take N
    times the limit. ``key`` holds the bucket and a keyed hash, never an address.
    A row whose ``expires_at`` has passed starts again from one on its next hit,
    and ``delete_expired_counters`` removes the rest.
    """

    key = models.CharField(_("key"), max_length=200, primary_key=True)
    count = models.PositiveIntegerField(_("count"), default=0)
    expires_at = models.DateTimeField(_("expires"), db_index=True)

    class Meta:
        verbose_name = _("rate counter")
        verbose_name_plural = _("rate counters")

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
