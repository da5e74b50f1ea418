"""The testing app's API under ``/api/v1/testing/``, one router per area (mounted in ``apps.py``)."""
