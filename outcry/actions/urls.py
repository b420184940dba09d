from django.urls import path

from outcry.actions import views

app_name = "actions"
urlpatterns = [
    path("confirm/<str:code>/", views.confirm, name="confirm"),
]
