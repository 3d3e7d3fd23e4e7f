"""Where uploaded materials live: the local file system by default, any S3-compatible object
store (AWS S3, MinIO, Aliyun OSS, Tencent COS…) through django-storages when
`CIIC_S3_BUCKET` is set. Read by settings.py; plain Python so it can be tested on its own.

Environment:
  CIIC_S3_BUCKET       bucket name (turns S3 on)
  CIIC_S3_ENDPOINT     endpoint URL for non-AWS stores, e.g. https://oss-cn-beijing.aliyuncs.com
  CIIC_S3_REGION       region name
  CIIC_S3_ACCESS_KEY / CIIC_S3_SECRET_KEY   credentials (else boto3's usual chain)
  CIIC_S3_PREFIX       key prefix inside the bucket (default "ciic")

Files are private (no public ACL) and never overwritten; downloads still go through the
platform's permission check (`projects/downloads.py`), which streams the object.
"""

from __future__ import annotations

from collections.abc import Mapping


def storages(env: Mapping[str, str]) -> dict:
    default: dict = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    bucket = env.get("CIIC_S3_BUCKET", "").strip()
    if bucket:
        options = {
            "bucket_name": bucket,
            "location": env.get("CIIC_S3_PREFIX", "ciic").strip("/"),
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
        }
        for key, option in (("CIIC_S3_ENDPOINT", "endpoint_url"), ("CIIC_S3_REGION", "region_name"),
                            ("CIIC_S3_ACCESS_KEY", "access_key"), ("CIIC_S3_SECRET_KEY", "secret_key")):
            if env.get(key):
                options[option] = env[key]
        default = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
    return {
        "default": default,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
