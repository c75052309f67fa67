"""The credential decryptor through cargo lambda's emulator, called with boto3 the way the legacy
callers call it: Invoke RequestResponse with {"cipherText"}, read only `body` of the reply.

Targets (from ../run-client-tests.sh): one emulator per key secret with the key in DD_KEY_JSON,
the same with the key in moto's Secrets Manager (SecretString and SecretBinary, endpoint
override by AWS_ENDPOINT_URL only), an encrypt sibling, and a function whose secret is missing.
"""

import json

import boto3
import botocore.config
import pytest

from conftest import MANIFEST, VECTORS, secret_key, vectors_for

_clients = {}


def lambda_for(target):
    endpoint = target["endpoint"]
    if endpoint not in _clients:
        _clients[endpoint] = boto3.client(
            "lambda",
            endpoint_url=endpoint,
            region_name=MANIFEST["region"],
            aws_access_key_id=MANIFEST["accessKeyId"],
            aws_secret_access_key=MANIFEST["secretAccessKey"],
            config=botocore.config.Config(
                retries={"total_max_attempts": 1},  # a failure must show, not be retried away
                read_timeout=120,  # a hang guard only; nothing here asserts time
                connect_timeout=10,
            ),
        )
    return _clients[endpoint]


def invoke(target, payload):
    """Returns (raw reply bytes, parsed reply)."""
    out = lambda_for(target).invoke(
        FunctionName=MANIFEST["functionName"],
        InvocationType="RequestResponse",
        Payload=payload,
    )
    assert out["StatusCode"] == 200
    assert "FunctionError" not in out
    raw = out["Payload"].read()
    return raw, json.loads(raw)


def legacy_reply_bytes(status_code, body):
    """What the legacy .NET function wrote (non-ASCII unescaped, no spaces)."""
    return json.dumps(
        {"statusCode": status_code, "body": body, "isBase64Encoded": False},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")


def legacy_payload(event):
    # JSON.stringify({cipherText}) of the legacy caller when the event is {cipherText}; other
    # shapes (another casing, no property) as the vector gives them.
    if list(event) == ["cipherText"]:
        return json.dumps({"cipherText": event["cipherText"]}, separators=(",", ":"))
    return json.dumps(event, separators=(",", ":"))


def _decrypt_cases():
    if MANIFEST is None:
        return []
    cases = []
    for target in MANIFEST["decrypt"]:
        for i, vector in enumerate(vectors_for(target["secret"])):
            cases.append(pytest.param(target, vector, id=f"{target['name']}-v{i}"))
    return cases


@pytest.mark.parametrize("target,vector", _decrypt_cases())
def test_decrypt_vector(target, vector):
    raw, reply = invoke(target, legacy_payload(vector["event"]))
    assert reply["statusCode"] == vector["expect"]["statusCode"]
    assert reply["body"].encode("utf-8") == vector["expect"]["body"].encode("utf-8")
    assert raw == legacy_reply_bytes(vector["expect"]["statusCode"], vector["expect"]["body"])


def _encrypt_cases():
    if MANIFEST is None:
        return []
    cases = []
    for target in MANIFEST["encrypt"]:
        ok = [v for v in vectors_for(target["secret"]) if v["expect"]["statusCode"] == 200]
        for i, vector in enumerate(ok):
            cases.append(pytest.param(target, vector, id=f"{target['name']}-p{i}"))
    return cases


def _decrypt_peer(target):
    for peer in MANIFEST["decrypt"]:
        if peer["source"] == target["source"] and secret_key(peer["secret"]) == secret_key(
            target["secret"]
        ):
            return peer
    pytest.fail(f"no decrypt emulator shares the secret of {target['name']}")


@pytest.mark.parametrize("target,vector", _encrypt_cases())
def test_encrypt_round_trip(target, vector):
    plain = vector["expect"]["body"]
    _, enc = invoke(target, json.dumps({"plainText": plain}))
    assert enc["statusCode"] == 200
    # Deterministic (key and IV derive from the secret): the legacy ciphertext itself.
    legacy_cipher = next(v for k, v in vector["event"].items() if k.lower() == "ciphertext")
    assert enc["body"] == legacy_cipher
    _, dec = invoke(_decrypt_peer(target), json.dumps({"cipherText": enc["body"]}))
    assert dec["statusCode"] == 200
    assert dec["body"].encode("utf-8") == plain.encode("utf-8")


def _missing_cases():
    if MANIFEST is None:
        return []
    return [
        pytest.param(target, vector, id=f"{target['name']}-v{i}")
        for target in MANIFEST["missing"]
        for i, vector in enumerate(VECTORS)
    ]


@pytest.mark.parametrize("target,vector", _missing_cases())
def test_missing_secret_gets_the_500_reply(target, vector):
    raw, _ = invoke(target, legacy_payload(vector["event"]))
    assert raw == legacy_reply_bytes(500, "")


def test_every_kind_of_target_is_present():
    """The run covers inline keys, both Secrets Manager shapes, encrypt and a missing secret."""
    sources = {t["source"] for t in MANIFEST["decrypt"]}
    assert {"DD_KEY_JSON", "SecretString", "SecretBinary"} <= sources
    assert MANIFEST["encrypt"] and MANIFEST["missing"]
    # Every distinct compat secret is served by every source, so every vector runs each way.
    for source in ("DD_KEY_JSON", "SecretString", "SecretBinary"):
        served = {secret_key(t["secret"]) for t in MANIFEST["decrypt"] if t["source"] == source}
        assert served == {secret_key(v["secret"]) for v in VECTORS}, source
