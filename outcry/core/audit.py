"""Record sensitive actions (exports, contact changes) in the audit log."""

from typing import Any

from outcry.core.models import AuditEvent


def record_event(
    *,
    actor,
    action: str,
    object_repr: str = "",
    organisation=None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one row to the audit log and return it.

    Call it before the action's effect leaves the server (e.g. before the first
    byte of an export), so an interrupted export is still on record.
    """
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_username=actor.get_username() if actor is not None else "",
        action=action,
        object_repr=object_repr[:300],
        organisation=organisation,
        details=details or {},
    )
