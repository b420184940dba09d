from django.urls import path

from outcry.core.pagecache import public_page
from outcry.directory import views

app_name = "directory"
urlpatterns = [
    path("targets/<int:pk>/report/", views.report_address, name="report"),
    path("directory/", public_page(views.states), name="states"),
    path("directory/offices/<int:pk>/", public_page(views.mission), name="office"),
    path("directory/<str:state>/", public_page(views.state), name="state"),
    path("directory/<str:state>/<str:country>/", public_page(views.country), name="country"),
]
