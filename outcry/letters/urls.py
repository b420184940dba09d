from django.urls import path

from outcry.actions import views as actions_views
from outcry.core.pagecache import public_page
from outcry.letters import offices, views

app_name = "letters"
urlpatterns = [
    path("letters/<slug:slug>/", views.compose, name="compose"),
    path("letters/<slug:slug>/sent/<str:token>/", views.sent, name="sent"),
    # The public directory, limited to the action's offices (letters/offices.py).
    path("letters/<slug:slug>/directory/", public_page(offices.states), name="offices_states"),
    path(
        "letters/<slug:slug>/directory/offices/<int:pk>/",
        public_page(offices.office),
        name="offices_office",
    ),
    path(
        "letters/<slug:slug>/directory/<str:state>/",
        public_page(offices.state),
        name="offices_state",
    ),
    path(
        "letters/<slug:slug>/directory/<str:state>/<str:country>/",
        public_page(offices.country),
        name="offices_country",
    ),
    path("letters/<slug:slug>/sent/<str:token>/letter.pdf", views.letter_pdf, name="letter_pdf"),
    # Links mailed before every action shared /confirm/<code>/ (actions.urls), valid
    # for OUTCRY_LETTER_CONFIRMATION_DAYS: the same view answers them.
    path("letters/confirm/<str:code>/", actions_views.confirm, name="confirm"),
]
