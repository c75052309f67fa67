#!/usr/bin/env python3
"""Publishes the web app's build (web/dist) to the stack's bucket and CloudFront.

    python3 deploy/publish_web.py --dist web/dist --bucket BUCKET --distribution-id ID
        [--config stage-config.json] [--prefix app/]

BUCKET and ID are the stack outputs WebBucketName and WebDistributionId (docs/deploy.md).

Cache headers (docs/architecture.md §2.6): hashed assets (``name-<hash>.ext``, as Vite names them) are
``public, max-age=31536000, immutable``; everything else (index.html, config.json, unhashed
files) is ``no-cache``, so browsers revalidate it on every load. Upload order keeps every
published index.html valid: hashed assets first, then the other files, index.html last. Old
assets stay (a page loaded before the deploy may still ask for them); the bucket's versioning
expires replaced objects. Finally index.html and config.json are invalidated in CloudFront.

``--config`` replaces dist's config.json (one build serves every stage; the stage's runtime
settings live in that file). Nothing is uploaded unless the whole input checks out.
Credentials and region come from the usual AWS environment; AWS_ENDPOINT_URL points it at a
test server (moto).
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import re
import sys
import time
import uuid
from pathlib import Path

import boto3

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# Vite's default asset names: <name>-<8+ base64url chars>.<ext> (e.g. index-BxYz12aB.js).
HASHED = re.compile(r"-[A-Za-z0-9_-]{8,}\.[A-Za-z0-9]+$")
CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".webmanifest": "application/manifest+json",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".txt": "text/plain; charset=utf-8",
}


class PublishError(Exception):
    """Input that must not be published; nothing has been uploaded."""


def cache_control(relative: str) -> str:
    name = relative.rsplit("/", 1)[-1]
    if name in ("index.html", "config.json") or not HASHED.search(name):
        return REVALIDATE
    return IMMUTABLE


def content_type(relative: str) -> str:
    suffix = Path(relative).suffix.lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(relative)[0] or "application/octet-stream"


def plan(dist: Path, config: Path | None) -> list[tuple[str, Path]]:
    """(relative key, file) in upload order; raises PublishError on unusable input."""
    if not (dist / "index.html").is_file():
        raise PublishError(f"{dist}: no index.html (run `npm run build` in web/ first)")
    files = {
        p.relative_to(dist).as_posix(): p
        for p in sorted(dist.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }
    if config is not None:
        files["config.json"] = config
    if "config.json" in files:
        try:
            json.loads(files["config.json"].read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise PublishError(f"config.json is not valid JSON: {err}") from None

    def order(item: tuple[str, Path]) -> tuple[int, str]:
        key = item[0]
        if key == "index.html":
            return (2, key)
        return (0 if cache_control(key) == IMMUTABLE else 1, key)

    return sorted(files.items(), key=order)


def publish(dist: Path, bucket: str, distribution_id: str, prefix: str, config: Path | None) -> dict:
    prefix = prefix.strip("/") + "/"
    uploads = plan(dist, config)
    s3 = boto3.client("s3")
    cloudfront = boto3.client("cloudfront")
    for relative, path in uploads:
        with path.open("rb") as body:
            s3.put_object(
                Bucket=bucket,
                Key=prefix + relative,
                Body=body,
                CacheControl=cache_control(relative),
                ContentType=content_type(relative),
            )
    paths = [f"/{prefix}index.html", f"/{prefix}config.json"]
    invalidation = cloudfront.create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={
            "Paths": {"Quantity": len(paths), "Items": paths},
            "CallerReference": f"publish-web-{int(time.time())}-{uuid.uuid4().hex[:8]}",
        },
    )
    return {
        "uploaded": len(uploads),
        "immutable": sum(1 for key, _ in uploads if cache_control(key) == IMMUTABLE),
        "invalidation": invalidation["Invalidation"]["Id"],
        "invalidated": paths,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, default=Path("web/dist"))
    parser.add_argument("--bucket", required=True)
    parser.add_argument("--distribution-id", required=True)
    parser.add_argument("--prefix", default="app/")
    parser.add_argument("--config", type=Path, help="replaces dist's config.json")
    args = parser.parse_args(argv)
    try:
        summary = publish(args.dist, args.bucket, args.distribution_id, args.prefix, args.config)
    except PublishError as err:
        print(f"publish-web: {err}", file=sys.stderr)
        return 2
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
