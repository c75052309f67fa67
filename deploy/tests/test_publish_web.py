"""deploy/publish_web.py against moto's S3 and CloudFront, run as the runbook runs it."""

from __future__ import annotations

import json
import subprocess
import sys

import boto3
import pytest
from conftest import ROOT

SCRIPT = ROOT / "deploy" / "publish_web.py"
YEAR = "public, max-age=31536000, immutable"


def fabricate_dist(root):
    """A small build shaped like Vite's output (hashed assets under assets/)."""
    files = {
        "index.html": '<!doctype html><script type="module" src="/app/assets/index-BxYz12aB.js"></script>',
        "config.json": '{"apiBaseUrl": ""}',
        "assets/index-BxYz12aB.js": "console.log('app')",
        "assets/index-C4_d-9Qz.css": "body{}",
        "assets/logo-a1B2c3D4e5.svg": "<svg/>",
        "favicon.ico": "ico",
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def make_distribution(bucket):
    cloudfront = boto3.client("cloudfront")
    origin = {"Id": "web", "DomainName": f"{bucket}.s3.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}}
    config = {
        "CallerReference": bucket,
        "Origins": {"Quantity": 1, "Items": [origin]},
        "DefaultCacheBehavior": {"TargetOriginId": "web", "ViewerProtocolPolicy": "redirect-to-https"},
        "Comment": "test",
        "Enabled": True,
    }
    return cloudfront.create_distribution(DistributionConfig=config)["Distribution"]["Id"]


def run(env, *args):
    return subprocess.run([sys.executable, str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture()
def stack(aws_env, tmp_path):
    bucket = f"dd-web-{tmp_path.name.lower().replace('_', '-')[-20:]}"
    boto3.client("s3").create_bucket(Bucket=bucket)
    return bucket, make_distribution(bucket)


def test_uploads_with_cache_headers_and_invalidates_index(aws_env, stack, tmp_path):
    bucket, distribution = stack
    dist = fabricate_dist(tmp_path / "dist")
    stage_config = tmp_path / "prod-config.json"
    stage_config.write_text('{"apiBaseUrl": "https://dd.example"}')

    done = run(aws_env, "--dist", str(dist), "--bucket", bucket, "--distribution-id", distribution, "--config", str(stage_config))
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["uploaded"] == 6 and summary["immutable"] == 3

    s3 = boto3.client("s3")
    expected = {
        "app/index.html": ("no-cache", "text/html; charset=utf-8"),
        "app/config.json": ("no-cache", "application/json"),
        "app/assets/index-BxYz12aB.js": (YEAR, "text/javascript; charset=utf-8"),
        "app/assets/index-C4_d-9Qz.css": (YEAR, "text/css; charset=utf-8"),
        "app/assets/logo-a1B2c3D4e5.svg": (YEAR, "image/svg+xml"),
        "app/favicon.ico": ("no-cache", None),
    }
    for key, (cache, ctype) in expected.items():
        head = s3.head_object(Bucket=bucket, Key=key)
        assert head["CacheControl"] == cache, key
        if ctype:
            assert head["ContentType"] == ctype, key
    body = s3.get_object(Bucket=bucket, Key="app/config.json")["Body"].read()
    assert json.loads(body) == {"apiBaseUrl": "https://dd.example"}

    cloudfront = boto3.client("cloudfront")
    listed = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"]
    assert listed["Quantity"] == 1
    detail = cloudfront.get_invalidation(DistributionId=distribution, Id=listed["Items"][0]["Id"])
    paths = detail["Invalidation"]["InvalidationBatch"]["Paths"]["Items"]
    assert sorted(paths) == ["/app/config.json", "/app/index.html"]


def test_bad_input_uploads_nothing(aws_env, stack, tmp_path):
    bucket, distribution = stack
    no_index = tmp_path / "empty"
    (no_index / "assets").mkdir(parents=True)
    (no_index / "assets" / "index-BxYz12aB.js").write_text("x")
    done = run(aws_env, "--dist", str(no_index), "--bucket", bucket, "--distribution-id", distribution)
    assert done.returncode == 2 and "no index.html" in done.stderr

    dist = fabricate_dist(tmp_path / "dist")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    done = run(aws_env, "--dist", str(dist), "--bucket", bucket, "--distribution-id", distribution, "--config", str(broken))
    assert done.returncode == 2 and "config.json" in done.stderr

    assert boto3.client("s3").list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0
    listed = boto3.client("cloudfront").list_invalidations(DistributionId=distribution)["InvalidationList"]
    assert listed["Quantity"] == 0
