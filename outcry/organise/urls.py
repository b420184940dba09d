from django.contrib import admin
from django.urls import path

from outcry.organise import views

app_name = "organise"


def _organiser(view):
    # The admin's sign-in: staff, with the second factor where it is set up or required.
    return admin.site.admin_view(view)


urlpatterns = [
    path("organise/", _organiser(views.index), name="index"),
    path("organise/new/", _organiser(views.story), name="new"),
    path("organise/<int:pk>/story/", _organiser(views.story), name="story"),
    path("organise/<int:pk>/petition/", _organiser(views.petition), name="petition"),
    path("organise/<int:pk>/letter/", _organiser(views.letter), name="letter"),
    path("organise/<int:pk>/partners/", _organiser(views.partners), name="partners"),
    path("organise/<int:pk>/review/", _organiser(views.review), name="review"),
    path("organise/<int:pk>/preview/", _organiser(views.preview), name="preview"),
]
