from django.urls import path

from outcry.letters import views

app_name = "letters"
urlpatterns = [
    path("letters/<slug:slug>/", views.compose, name="compose"),
    path("letters/<slug:slug>/sent/<str:token>/", views.sent, name="sent"),
    path("letters/<slug:slug>/sent/<str:token>/letter.pdf", views.letter_pdf, name="letter_pdf"),
    path("letters/confirm/<str:code>/", views.confirm, name="confirm"),
]
