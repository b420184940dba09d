"""Rows any kind of action can use: the shards of its public counters."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CounterShard(models.Model):
    """One of several rows whose sum is a public count (``petition:<id>``, ``pledge:<id>``…).

    Thousands of supporters acting at once each bump a random shard, so they do
    not all wait on one row's lock. Keyed by a stable string, not a foreign key,
    so that every kind of action can count with it; the action's own rows stay
    the only record, and its recount job rebuilds the shards from them
    (actions.counters.reset).
    """

    key = models.CharField(_("counter"), max_length=100)
    shard = models.PositiveSmallIntegerField(_("shard"))
    count = models.IntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("counter shard")
        verbose_name_plural = _("counter shards")
        constraints = [
            models.UniqueConstraint(fields=["key", "shard"], name="one_row_per_counter_shard")
        ]

    def __str__(self) -> str:
        return f"{self.key}#{self.shard}: {self.count}"


class Intake(models.Model):
    """An action a supporter was told we have, not yet turned into its rows.

    Signing in a surge writes this one row and answers (actions.intake.submit);
    a worker (``manage.py process_intake``) takes rows in batches and writes
    the supporters, signatures, consents and confirmation emails for all of
    them at once, deleting the rows in that same transaction. So a row is
    either here or fully done, never both, whatever process dies when.
    *payload* is what the form gave, as JSON (ids, not objects), read by the
    processor registered for *kind*. A row its processor refuses even alone is
    kept with *failed_at* and *error* for an operator, never dropped. *email*
    is the address the action is by, normalised, so that a supporter's data
    rights (a copy, an erasure) find their waiting actions through an index,
    however many wait.
    """

    kind = models.CharField(_("kind"), max_length=40)
    payload = models.JSONField(_("what was typed"))
    # A database default, so a web process of the release before (which does not
    # write it) keeps working while an upgrade runs (docs/deploy.md).
    email = models.EmailField(_("email"), max_length=254, blank=True, db_default="", db_index=True)
    created_at = models.DateTimeField(_("acknowledged"), default=timezone.now)
    failed_at = models.DateTimeField(_("failed"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("action waiting to be processed")
        verbose_name_plural = _("actions waiting to be processed")

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"
