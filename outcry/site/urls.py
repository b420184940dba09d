from django.urls import path

from outcry.site import views

# The namespace the campaign pages always had: links everywhere say "campaigns:detail".
app_name = "campaigns"
urlpatterns = [
    path("", views.home, name="home"),
    path("c/<slug:slug>/", views.campaign_detail, name="detail"),
]
