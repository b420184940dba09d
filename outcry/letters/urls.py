from django.urls import path

from outcry.letters import views

app_name = "letters"
urlpatterns = [
    path("letters/<slug:slug>/", views.compose, name="compose"),
    path("letters/<slug:slug>/sent/<str:token>/", views.sent, name="sent"),
]
