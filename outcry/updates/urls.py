from django.urls import path

from outcry.updates import views

app_name = "updates"
urlpatterns = [
    path("c/<slug:slug>/updates/", views.update_list, name="list"),
    path("c/<slug:slug>/updates/<int:pk>/", views.update_detail, name="detail"),
    path("c/<slug:slug>/updates/feed/", views.feed, name="feed"),
    path("c/<slug:slug>/updates/subscribe/", views.subscribe, name="subscribe"),
    path("c/<slug:slug>/updates/thanks/", views.thanks, name="thanks"),
    path("c/<slug:slug>/press/", views.press, name="press"),
]
