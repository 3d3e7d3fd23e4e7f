"""URL patterns of the review app's results pages (included by urls.py)."""

urlpatterns: list = []
