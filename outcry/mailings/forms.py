"""The organiser's mailing form: who it goes to, checked before anything is counted or sent."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from outcry.core.countries import country_codes
from outcry.mailings.models import Mailing


class MailingForm(forms.ModelForm):
    class Meta:
        model = Mailing
        fields = ["organisation", "campaign", "audience", "languages", "countries"]

    def clean_languages(self) -> str:
        codes = [code.strip().lower() for code in self.cleaned_data["languages"].split(",")]
        codes = [code for code in codes if code]
        known = dict(settings.LANGUAGES)
        unknown = [code for code in codes if code not in known]
        if unknown:
            raise ValidationError(
                _("Unknown language code: %(codes)s. Use %(known)s."),
                params={"codes": ", ".join(unknown), "known": ", ".join(known)},
            )
        return ",".join(dict.fromkeys(codes))

    def clean_countries(self) -> str:
        codes = [code.strip().upper() for code in self.cleaned_data["countries"].split(",")]
        codes = [code for code in codes if code]
        unknown = [code for code in codes if code not in country_codes()]
        if unknown:
            raise ValidationError(
                _("Unknown country code: %(codes)s. Use two letters, such as KR or US."),
                params={"codes": ", ".join(code[:10] for code in unknown[:5])},
            )
        return ",".join(dict.fromkeys(codes))

    def clean(self) -> dict:
        data = super().clean()
        campaign, organisation = data.get("campaign"), data.get("organisation")
        if data.get("audience") not in {None, Mailing.Audience.EVERYONE} and campaign is None:
            self.add_error("campaign", _("Choose the campaign whose supporters you mean."))
        if (
            campaign is not None
            and organisation is not None
            and organisation not in campaign.coalition()
        ):
            self.add_error(
                "campaign",
                _("The organisation sending the mailing does not take part in this campaign."),
            )
        return data
