"""Storage wiring: local disk by default; an S3-compatible store when configured, with
private, never-overwritten objects and options that django-storages accepts."""

from __future__ import annotations

from django.core.files.storage import storages as django_storages
from django.utils.module_loading import import_string

from ciic.core.storage_config import storages


def test_local_disk_by_default():
    assert storages({})["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"


def test_s3_compatible_store_when_a_bucket_is_set():
    config = storages({"CIIC_S3_BUCKET": "materials", "CIIC_S3_ENDPOINT": "https://minio.example.com",
                       "CIIC_S3_REGION": "cn-north-1", "CIIC_S3_ACCESS_KEY": "a", "CIIC_S3_SECRET_KEY": "b"})
    default = config["default"]
    assert default["BACKEND"] == "storages.backends.s3.S3Storage"
    # django-storages refuses unknown option names at construction; no network is touched.
    storage = import_string(default["BACKEND"])(**default["OPTIONS"])
    assert storage.bucket_name == "materials" and storage.endpoint_url == "https://minio.example.com"
    assert storage.default_acl is None and storage.file_overwrite is False
    assert storage.location == "ciic"


def test_settings_use_the_builder():
    assert django_storages["default"].__class__.__name__ == "FileSystemStorage"
