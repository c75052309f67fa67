"""Shared fixtures: the manifest written by ../run-client-tests.sh and the compat vectors."""

import json
import os

import pytest


def _load():
    path = os.environ.get("DD_CLIENT_TESTS_MANIFEST")
    if not path:
        return None, None
    with open(path, encoding="utf-8") as f:
        manifest = json.load(f)
    with open(manifest["vectors"], encoding="utf-8") as f:
        vectors = json.load(f)["vectors"]
    return manifest, vectors


MANIFEST, VECTORS = _load()


def pytest_collection_modifyitems(config, items):
    if MANIFEST is None:
        skip = pytest.mark.skip(reason="DD_CLIENT_TESTS_MANIFEST not set: run tests/run-client-tests.sh")
        for item in items:
            item.add_marker(skip)


def secret_key(secret):
    return (secret["salt"], secret["keyPhrase"])


def vectors_for(secret):
    return [v for v in VECTORS if secret_key(v["secret"]) == secret_key(secret)]
