"""The change app's pages: each views module keeps its own ``urlpatterns`` (order matters: the fixed paths
under /changes/ come before /changes/<reference>/)."""

from busbar.changes.views import ccg, config, feeds, notifications, reports, schedule, subscriptions

urlpatterns = [
    *schedule.urlpatterns,
    *feeds.urlpatterns,
    *subscriptions.urlpatterns,
    *ccg.urlpatterns,
    *config.urlpatterns,
    *reports.urlpatterns,
    *notifications.urlpatterns,
]
