"""URL patterns of the review app's workspace pages (included by urls.py)."""

urlpatterns: list = []
