from django.urls import path

from outcry.core.pagecache import public_page
from outcry.petitions import views

app_name = "petitions"
urlpatterns = [
    path("petitions/<slug:slug>/sign/", views.sign, name="sign"),
    path("petitions/<slug:slug>/thanks/", views.thanks, name="thanks"),
    path("petitions/<slug:slug>/signers/", public_page(views.signers), name="signers"),
]
