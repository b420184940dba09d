from django.urls import path

from outcry.pledges import views

app_name = "pledges"
urlpatterns = [
    path("c/<slug:slug>/pledges/<int:pk>/", views.take, name="take"),
    path("c/<slug:slug>/pledges/<int:pk>/thanks/", views.thanks, name="thanks"),
    path("c/<slug:slug>/pledges/<int:pk>/count.json", views.count, name="count"),
    path("c/<slug:slug>/pledges/reminders/<str:code>/", views.stop, name="stop"),
]
