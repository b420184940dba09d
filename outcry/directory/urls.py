from django.urls import path

from outcry.directory import views

app_name = "directory"
urlpatterns = [
    path("targets/<int:pk>/report/", views.report_address, name="report"),
    path("directory/", views.states, name="states"),
    path("directory/offices/<int:pk>/", views.mission, name="office"),
    path("directory/<str:state>/", views.state, name="state"),
    path("directory/<str:state>/<str:country>/", views.country, name="country"),
]
