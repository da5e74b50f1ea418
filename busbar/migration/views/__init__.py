"""The qualification and migration pages, one module per area, each with its own ``urlpatterns``."""
