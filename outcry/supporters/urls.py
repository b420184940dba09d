from django.urls import path

from outcry.supporters import views

app_name = "supporters"
urlpatterns = [
    path("your-data/", views.data_request, name="data_request"),
    path("your-data/sent/", views.data_request_sent, name="data_request_sent"),
    path("your-data/<str:code>/", views.data, name="data"),
    path("your-data/<str:code>/download/", views.data_download, name="data_download"),
    path("your-data/<str:code>/erase/", views.data_erase, name="data_erase"),
    path("email/<str:code>/", views.preferences_page, name="preferences"),
    path("email/<str:code>/stop/", views.unsubscribe, name="unsubscribe"),
]
