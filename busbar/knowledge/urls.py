from django.urls import path

from busbar.knowledge import views

urlpatterns = [
    path("knowledge/", views.article_list, name="article_list"),
    path("knowledge/new/", views.article_create, name="article_create"),
    path("knowledge/preview/", views.preview, name="article_preview"),
    path("knowledge/<str:reference>/", views.article_detail, name="article_detail"),
    path("knowledge/<str:reference>/edit/", views.article_edit, name="article_edit"),
    path("knowledge/<str:reference>/versions/", views.article_versions, name="article_versions"),
    path("knowledge/<str:reference>/versions/<int:number>/", views.article_version, name="article_version"),
    path("knowledge/<str:reference>/compare/", views.article_diff, name="article_diff"),
    path("knowledge/<str:reference>/reports/<int:pk>/", views.handle_report, name="article_handle_report"),
    path("knowledge/<str:reference>/<slug:verb>/", views.article_action, name="article_action"),
]
