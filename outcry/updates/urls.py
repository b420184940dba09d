from django.urls import path

from outcry.core.pagecache import public_page
from outcry.updates import views

app_name = "updates"
urlpatterns = [
    path("c/<slug:slug>/updates/", public_page(views.update_list), name="list"),
    path("c/<slug:slug>/updates/<int:pk>/", public_page(views.update_detail), name="detail"),
    path("c/<slug:slug>/updates/feed/", public_page(views.feed), name="feed"),
    path("c/<slug:slug>/updates/subscribe/", views.subscribe, name="subscribe"),
    path("c/<slug:slug>/updates/thanks/", public_page(views.thanks), name="thanks"),
    path("c/<slug:slug>/press/", public_page(views.press), name="press"),
]
