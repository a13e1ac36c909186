"""S3: badge images and issuer logos."""

from __future__ import annotations

from typing import Any

from ..config import get_settings
from .aws import client


def put(key: str, body: bytes, content_type: str, *,
        cache_control: str = "public, max-age=31536000, immutable") -> None:
    client("s3").put_object(
        Bucket=get_settings().bucket_name, Key=key, Body=body, ContentType=content_type, CacheControl=cache_control
    )


def put_file(key: str, fileobj: Any, content_type: str, *, cache_control: str = "private, no-store") -> None:
    """Store a file too large to hold in memory (boto3's managed upload: multipart
    above 8 MiB, parts streamed from `fileobj`)."""
    client("s3").upload_fileobj(fileobj, get_settings().bucket_name, key,
                                ExtraArgs={"ContentType": content_type, "CacheControl": cache_control})


IMAGE_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


def put_public_image(key: str, data: bytes) -> None:
    """Store an image the CDN serves, cached for good: its key (store/object_keys.py)
    names its content, so a new image gets a new key."""
    put(key, data, IMAGE_TYPES[key.rsplit(".", 1)[-1]])


def delete(key: str) -> None:
    client("s3").delete_object(Bucket=get_settings().bucket_name, Key=key)


def delete_prefix(prefix: str) -> int:
    """Delete every object under `prefix` for good: every version and delete marker
    (the deployed bucket is versioned), 1,000 per request. Returns how many objects
    (current versions) went."""
    s3, bucket, count = client("s3"), get_settings().bucket_name, 0
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
        versions = page.get("Versions", []) + page.get("DeleteMarkers", [])
        count += sum(1 for v in page.get("Versions", []) if v.get("IsLatest"))
        if versions:
            s3.delete_objects(Bucket=bucket, Delete={"Quiet": True, "Objects": [
                {"Key": v["Key"], "VersionId": v["VersionId"]} for v in versions]})
    return count


def get(key: str) -> bytes:
    return client("s3").get_object(Bucket=get_settings().bucket_name, Key=key)["Body"].read()


def get_if_present(key: str) -> bytes | None:
    """The object, or None when it is not (or no longer) in the bucket."""
    from botocore.exceptions import ClientError

    try:
        return get(key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return None
        raise


def exists(key: str) -> bool:
    """Whether the object is in the bucket (one HeadObject, no body read)."""
    from botocore.exceptions import ClientError

    try:
        client("s3").head_object(Bucket=get_settings().bucket_name, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
            return False
        raise
    return True


def download_url(key: str, filename: str, seconds: int = 300) -> str:
    """A presigned GET that makes browsers save the object as `filename`."""
    return client("s3").generate_presigned_url(
        "get_object", ExpiresIn=seconds,
        Params={"Bucket": get_settings().bucket_name, "Key": key,
                "ResponseContentDisposition": f'attachment; filename="{filename}"'},
    )


def public_url(key: str | None) -> str | None:
    """Where browsers fetch an object: the bucket locally, CloudFront when deployed."""
    if not key:
        return None
    return url_of(key)


def url_of(key: str) -> str:
    return f"{get_settings().asset_base_url}/{key}"


def key_of_public_url(url: str) -> str | None:
    """The object key a URL of ours names (the reverse of `public_url`); None for a
    URL elsewhere."""
    base = get_settings().asset_base_url + "/"
    return url[len(base):] if url.startswith(base) else None


def ensure_bucket() -> None:
    """Local and test set-up. A deployment's bucket comes from infra/ and stays private."""
    import json

    settings = get_settings()
    s3 = client("s3")
    name = settings.bucket_name
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if name not in existing:
        s3.create_bucket(Bucket=name)
    if settings.is_local:
        # Locally the bucket stands in for the CDN, so browsers may read its objects.
        policy = {
            "Version": "2012-10-17",
            "Statement": [{"Sid": "LocalCdn", "Effect": "Allow", "Principal": "*",
                           "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{name}/*"}],
        }
        s3.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))
        # browsers fetch status lists and documents cross-origin
        s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": [
            {"AllowedMethods": ["GET", "HEAD"], "AllowedOrigins": ["*"], "MaxAgeSeconds": 3600}]})


def list_keys(prefix: str) -> list[str]:
    """Every key under `prefix` (ListObjectsV2, 1,000 a page)."""
    keys: list[str] = []
    for page in client("s3").get_paginator("list_objects_v2").paginate(Bucket=get_settings().bucket_name,
                                                                        Prefix=prefix):
        keys += [o["Key"] for o in page.get("Contents", [])]
    return keys


def delete_many(keys: list[str]) -> None:
    """DeleteObjects, 1,000 keys a request; any key S3 could not delete is raised."""
    s3 = client("s3")
    for start in range(0, len(keys), 1000):
        chunk = keys[start:start + 1000]
        response = s3.delete_objects(Bucket=get_settings().bucket_name,
                                     Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True})
        if response.get("Errors"):
            raise RuntimeError(f"S3 could not delete {len(response['Errors'])} objects: {response['Errors'][0]}")
