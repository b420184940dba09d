"""Record sensitive actions (exports, contact changes) in the audit log, and say who reads them.

Rows are only ever added: nobody edits or deletes them, superusers included
(``core.admin.AuditEventAdmin`` is read-only for everyone). An organiser reads
the events of their own organisations (``organisation``) and the events about
rows their work depends on (``subject_type`` / ``subject_id``): each app that
records events about its rows says, through ``register_audience``, which of
those rows an organiser's organisations depend on (the letters app: the targets
and lists their letter actions write to).
"""

from collections.abc import Callable
from typing import Any

from django.db.models import Q, QuerySet

from outcry.core.models import AuditEvent

# subject_type -> function(user) returning the ids of such rows the user's
# organisations depend on (a queryset of ids or a list).
_audiences: dict[str, Callable[[Any], Any]] = {}


def register_audience(subject_type: str, ids_for_user: Callable[[Any], Any]) -> None:
    """Let organisers read events about the rows of *subject_type* that ``ids_for_user`` names.

    Called from an app's ``ready``; registering a type twice keeps the last function.
    """
    _audiences[subject_type] = ids_for_user


def record_event(
    *,
    actor,
    action: str,
    object_repr: str = "",
    organisation=None,
    details: dict[str, Any] | None = None,
    subject_type: str = "",
    subject_id: int | None = None,
) -> AuditEvent:
    """Add one row to the audit log and return it.

    Call it before the action's effect leaves the server (e.g. before the first
    byte of an export), so an interrupted export is still on record.
    *subject_type* and *subject_id* name the row the event is about, so the
    organisations depending on that row can read it.
    """
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_username=actor.get_username() if actor is not None else "",
        action=action,
        object_repr=object_repr[:300],
        organisation=organisation,
        details=details or {},
        subject_type=subject_type,
        subject_id=subject_id,
    )


def visible_events(user, queryset: QuerySet[AuditEvent] | None = None) -> QuerySet[AuditEvent]:
    """Narrow *queryset* to the events *user* may read.

    A superuser reads all; an organiser those of their organisations and those
    about rows their organisations depend on (see ``register_audience``).
    """
    queryset = AuditEvent.objects.all() if queryset is None else queryset
    if user.is_superuser:
        return queryset
    if not user.is_active:
        return queryset.none()
    allowed = Q(organisation__in=user.organisations.all())
    for subject_type, ids_for_user in _audiences.items():
        allowed |= Q(subject_type=subject_type, subject_id__in=ids_for_user(user))
    return queryset.filter(allowed)
