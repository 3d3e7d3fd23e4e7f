"""URL patterns of the review app's experts pages (included by urls.py)."""

urlpatterns: list = []
