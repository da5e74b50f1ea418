from django.urls import path

from busbar.problems import views

urlpatterns = [
    path("problems/", views.problem_list, name="problem_list"),
    path("problems/new/", views.problem_create, name="problem_create"),
    path("problems/export/", views.problem_export, name="problem_export"),
    path("problems/<str:reference>/", views.problem_detail, name="problem_detail"),
    path("problems/<str:reference>/link-incident/", views.link_incident, name="problem_link_incident"),
    path("problems/<str:reference>/<slug:verb>/", views.problem_action, name="problem_action"),
]
