from django.urls import path

from outcry.letters import views_directory

app_name = "letters_directory"
urlpatterns = [
    path("targets/<int:pk>/report/", views_directory.report_address, name="report"),
]
