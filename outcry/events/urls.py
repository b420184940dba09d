from django.urls import path

from outcry.core.pagecache import public_page
from outcry.events import rsvp_views, views, views_hosts

app_name = "events"
urlpatterns = [
    path("c/<slug:slug>/events/", public_page(views.event_list), name="list"),
    path(
        "c/<slug:slug>/events/calendar.ics",
        public_page(views.campaign_calendar),
        name="campaign_calendar",
    ),
    path("c/<slug:slug>/events/<int:pk>/", public_page(views.event_detail), name="detail"),
    path("c/<slug:slug>/events/<int:pk>/rsvp/", views.reply, name="reply"),
    path("c/<slug:slug>/events/<int:pk>/replied/", views.replied, name="replied"),
    path("rsvp/<str:code>/", rsvp_views.manage, name="rsvp"),
    path(
        "c/<slug:slug>/events/<int:pk>/calendar.ics",
        public_page(views.event_calendar),
        name="calendar",
    ),
    path("c/<slug:slug>/days/<int:pk>/", public_page(views.day_detail), name="day"),
    path(
        "c/<slug:slug>/days/<int:pk>/calendar.ics",
        public_page(views.day_calendar),
        name="day_calendar",
    ),
    # Hosting a local event of a day of action (views_hosts.py).
    path("c/<slug:slug>/days/<int:pk>/host/", views_hosts.propose, name="host_propose"),
    path("c/<slug:slug>/days/<int:pk>/host/sent/", views_hosts.thanks, name="host_thanks"),
    path("events/host/<str:code>/", views_hosts.host_page, name="host_page"),
]
