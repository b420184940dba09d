from django.urls import path

from outcry.cases import views
from outcry.core.pagecache import public_page

app_name = "cases"
urlpatterns = [
    path("c/<slug:slug>/cases/", public_page(views.case_list), name="list"),
    path("c/<slug:slug>/cases/<int:pk>/", public_page(views.case_detail), name="detail"),
]
