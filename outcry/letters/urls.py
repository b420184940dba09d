from django.urls import path

from outcry.actions import views as actions_views
from outcry.letters import views

app_name = "letters"
urlpatterns = [
    path("letters/<slug:slug>/", views.compose, name="compose"),
    path("letters/<slug:slug>/sent/<str:token>/", views.sent, name="sent"),
    path("letters/<slug:slug>/sent/<str:token>/letter.pdf", views.letter_pdf, name="letter_pdf"),
    # Links mailed before every action shared /confirm/<code>/ (actions.urls), valid
    # for OUTCRY_LETTER_CONFIRMATION_DAYS: the same view answers them.
    path("letters/confirm/<str:code>/", actions_views.confirm, name="confirm"),
]
