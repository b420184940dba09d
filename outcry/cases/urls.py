from django.urls import path

from outcry.cases import views

app_name = "cases"
urlpatterns = [
    path("c/<slug:slug>/cases/", views.case_list, name="list"),
    path("c/<slug:slug>/cases/<int:pk>/", views.case_detail, name="detail"),
]
