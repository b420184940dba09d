from django.urls import path

from outcry.actions.nextstep import cookie_variant
from outcry.core.pagecache import public_page
from outcry.pledges import views

app_name = "pledges"
urlpatterns = [
    path("c/<slug:slug>/pledges/<int:pk>/", views.take, name="take"),
    # Kept by what it shows of the browser's cookies, as a petition's (actions.nextstep).
    path(
        "c/<slug:slug>/pledges/<int:pk>/thanks/",
        public_page(views.thanks, varies_by=cookie_variant),
        name="thanks",
    ),
    path("c/<slug:slug>/pledges/<int:pk>/count.json", views.count, name="count"),
    path("c/<slug:slug>/pledges/reminders/<str:code>/", views.stop, name="stop"),
]
