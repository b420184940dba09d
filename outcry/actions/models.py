"""Rows any kind of action can use: the shards of its public counters."""

from django.db import models
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
