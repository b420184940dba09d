"""The form a supporter uses to report an outdated address."""

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from outcry.core.forms import TextField
from outcry.directory.models import Channel, Target
from outcry.directory.services import NOTE_MAX_LENGTH


class ChannelChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Channel) -> str:
        value = " ".join(obj.value.split())  # a postal address on one line
        label = f"{capfirst(obj.get_kind_display())}: {value}"
        return f"{label} ({obj.label})" if obj.label else label


class AddressReportForm(forms.Form):
    channel = ChannelChoiceField(
        label=_("Which address is out of date?"),
        queryset=Channel.objects.none(),
        required=False,
        blank=True,  # offer the empty choice as a radio button too
        empty_label=_("I am not sure, or it is not listed"),
        widget=forms.RadioSelect,
    )
    note = TextField(
        label=_("What is wrong?"),
        help_text=_(
            "For example: the embassy has moved, or the fax number no longer answers. "
            "If you know the right address, please add it and say where you found it."
        ),
        max_length=NOTE_MAX_LENGTH,
        error_messages={"required": _("Please tell us what is wrong with this address.")},
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args, target: Target, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = target.channels.exclude(status=Channel.Status.CLOSED)
