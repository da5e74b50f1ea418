from django.urls import path

from busbar.triage import views

urlpatterns = [
    path("triage/", views.script_list, name="triage_scripts"),
    path("triage/new/", views.script_create, name="triage_script_create"),
    path("triage/<int:pk>/", views.script_detail, name="triage_script"),
    path("triage/<int:pk>/try/", views.try_script, name="triage_try"),
    path("triage/<int:pk>/questions/<int:question>/", views.question_page, name="triage_question"),
    path(
        "triage/<int:pk>/questions/<int:question>/<slug:verb>/",
        views.question_action,
        name="triage_question_action",
    ),
    path("triage/<int:pk>/<slug:verb>/", views.script_action, name="triage_script_action"),
    path("incidents/<str:reference>/triage/<int:pk>/", views.run, name="triage_run"),
]
