from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from outcry.core import views as core_views
from outcry.site import views as site_views
from outcry.supporters.webhooks import mail_events

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", core_views.healthz, name="healthz"),
    # Campaign pictures (site.views.media serves only the files outcry wrote).
    path("media/<path:name>", site_views.media, name="media"),
    path("mail/events/<slug:provider>/", mail_events, name="mail_events"),
]
urlpatterns += i18n_patterns(
    path("", include("outcry.site.urls")),
    path("", include("outcry.actions.urls")),
    path("", include("outcry.petitions.urls")),
    path("", include("outcry.letters.urls")),
    path("", include("outcry.updates.urls")),
    path("", include("outcry.events.urls")),
    path("", include("outcry.pledges.urls")),
    path("", include("outcry.cases.urls")),
    path("", include("outcry.directory.urls")),
    path("", include("outcry.supporters.urls")),
    path("", include("outcry.organise.urls")),
)

handler400 = "outcry.core.views.bad_request"
handler404 = "outcry.core.views.not_found"
handler500 = "outcry.core.views.server_error"
