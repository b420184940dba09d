from django.urls import path

from outcry.directory import views

app_name = "directory"
urlpatterns = [
    path("targets/<int:pk>/report/", views.report_address, name="report"),
]
