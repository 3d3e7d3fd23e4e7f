from django.urls import path

app_name = "entrants"
urlpatterns: list = []
