from django.urls import path

from outcry.core.pagecache import public_page
from outcry.site import views

# The namespace the campaign pages always had: links everywhere say "campaigns:detail".
app_name = "campaigns"
urlpatterns = [
    path("", public_page(views.home), name="home"),
    path("c/<slug:slug>/", public_page(views.campaign_detail), name="detail"),
]
