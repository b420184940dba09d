from django.urls import path

from outcry.actions.nextstep import cookie_variant
from outcry.core.pagecache import public_page
from outcry.petitions import views

app_name = "petitions"
urlpatterns = [
    path("petitions/<slug:slug>/sign/", views.sign, name="sign"),
    # Every signer's browser comes here next: kept by what it shows of their cookies.
    path(
        "petitions/<slug:slug>/thanks/",
        public_page(views.thanks, varies_by=cookie_variant),
        name="thanks",
    ),
    path("petitions/<slug:slug>/signers/", public_page(views.signers), name="signers"),
]
