"""Template helpers for forms: the fields a reader has to fix."""

from django import forms, template

register = template.Library()


@register.filter
def fields_with_errors(form: forms.BaseForm) -> list[forms.BoundField]:
    """The form's fields that have errors, in the order they are shown."""
    return [field for field in form if field.errors]
