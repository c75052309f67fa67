"""The pre-traffic hook's code, taken from the template as it is deployed, run against the real
credential decryptor in cargo lambda's emulator (one emulator per function, as each function
has its own settings in AWS: DD_OPERATION=decrypt / encrypt, the same key secret).

The hook's report to CodeDeploy goes through a real boto3 CodeDeploy client whose HTTP layer
is botocore's Stubber: no local server implements PutLifecycleEventHookExecutionStatus, and the
test needs to see exactly what would be sent.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import time
import types
import urllib.request

import boto3
import pytest
from botocore.stub import Stubber
from cfnlint.decode import decode
from conftest import ROOT, free_port

FUNCTION = "credential-decryptor"
VECTORS = ROOT / "crates" / "crypto" / "tests" / "data" / "decrypt-lambda-compat.json"
WARM_TIMEOUT = int(os.environ.get("DD_HOOK_TEST_WARM_TIMEOUT", "900"))


def hook_module() -> types.ModuleType:
    template, errors = decode(str(ROOT / "deploy" / "template.yaml"))
    assert not errors
    code = template["Resources"]["DecryptorPreTrafficHook"]["Properties"]["InlineCode"]
    module = types.ModuleType("pretraffic_hook")
    exec(compile(code, "template.yaml#DecryptorPreTrafficHook", "exec"), module.__dict__)  # noqa: S102
    return module


def first_vector() -> dict:
    vectors = json.loads(VECTORS.read_text())["vectors"]
    return next(v for v in vectors if v["expect"]["statusCode"] == 200 and v["expect"]["body"])


def invoke_url(endpoint: str) -> str:
    return f"{endpoint}/2015-03-31/functions/{FUNCTION}/invocations"


def start_emulator(operation: str, secret: dict) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DD_", "AWS_"))}
    env.update(
        DD_OPERATION=operation,
        DD_KEY_JSON=json.dumps(secret),
        AWS_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
    )
    process = subprocess.Popen(
        ["cargo", "lambda", "watch", "--ignore-changes", "--invoke-address", "127.0.0.1", "--invoke-port", str(port),
         "--manifest-path", str(ROOT / "functions" / FUNCTION / "Cargo.toml"), "--bin", FUNCTION],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    return process, f"http://127.0.0.1:{port}"


def warm(endpoint: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + WARM_TIMEOUT
    while True:
        try:
            request = urllib.request.Request(invoke_url(endpoint), data=b'"warmup"', method="POST")
            urllib.request.urlopen(request, timeout=WARM_TIMEOUT)  # noqa: S310 (loopback)
            return
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"emulator at {endpoint} did not answer") from None
            time.sleep(0.5)


@pytest.fixture(scope="module")
def emulators():
    if shutil.which("cargo-lambda") is None:
        pytest.skip("cargo-lambda not installed (scripts/setup installs it)")
    subprocess.run(
        ["cargo", "build", "--quiet", "--manifest-path", str(ROOT / "functions" / FUNCTION / "Cargo.toml"), "--bin", FUNCTION],
        check=True,
        timeout=WARM_TIMEOUT,
    )
    secret = first_vector()["secret"]
    started = [start_emulator("decrypt", secret), start_emulator("encrypt", secret)]
    try:
        for process, endpoint in started:
            warm(endpoint, process)
        yield {"decrypt": started[0][1], "encrypt": started[1][1]}
    finally:
        for process, _ in started:
            os.killpg(process.pid, signal.SIGTERM)
        for process, _ in started:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


class PerFunctionEndpoints:
    """Lambda invoke through one real boto3 client per function endpoint: what the hook sees
    as ONE client in AWS, where every function sits behind the same service endpoint."""

    def __init__(self, endpoints: dict[str, str]):
        self.clients = {
            name: boto3.client("lambda", endpoint_url=url, region_name="us-east-1",
                               aws_access_key_id="testing", aws_secret_access_key="testing")
            for name, url in endpoints.items()
        }

    def invoke(self, FunctionName: str, Payload: bytes):  # noqa: N803 (boto3's names)
        operation, _, _ = FunctionName.partition(":")
        return self.clients[operation].invoke(FunctionName=FUNCTION, Payload=Payload)


def run_hook(monkeypatch, emulators, *, expect: str, expected_sha256: str, cipher_text: str, encrypt="encrypt:7"):
    """Runs the hook; the stubbed CodeDeploy client insists on exactly one report of `expect`."""
    hook = hook_module()
    monkeypatch.setenv("DECRYPT_VERSION_ARN", "decrypt:7")
    monkeypatch.setenv("ENCRYPT_VERSION_ARN", encrypt)
    monkeypatch.setenv("CANARY_CIPHERTEXT", cipher_text)
    monkeypatch.setenv("CANARY_PLAINTEXT_SHA256", expected_sha256)
    codedeploy = boto3.client("codedeploy", region_name="us-east-1",
                              aws_access_key_id="testing", aws_secret_access_key="testing")
    event = {"DeploymentId": "d-ABCDEF123", "LifecycleEventHookExecutionId": "hook-exec-1"}
    with Stubber(codedeploy) as stub:
        stub.add_response(
            "put_lifecycle_event_hook_execution_status",
            {"lifecycleEventHookExecutionId": "hook-exec-1"},
            {"deploymentId": "d-ABCDEF123", "lifecycleEventHookExecutionId": "hook-exec-1",
             "status": expect},
        )
        result = hook.handler(event, None, lambda_client=PerFunctionEndpoints(emulators), codedeploy=codedeploy)
        stub.assert_no_pending_responses()
    assert result == {"status": expect}


def test_good_versions_pass(monkeypatch, emulators):
    vector = first_vector()
    digest = hashlib.sha256(vector["expect"]["body"].encode()).hexdigest()
    run_hook(monkeypatch, emulators, expect="Succeeded", expected_sha256=digest,
             cipher_text=vector["event"]["cipherText"])


def test_a_version_that_decrypts_to_anything_else_fails(monkeypatch, emulators):
    vector = first_vector()
    wrong = hashlib.sha256(b"something else").hexdigest()
    run_hook(monkeypatch, emulators, expect="Failed", expected_sha256=wrong, cipher_text=vector["event"]["cipherText"])


def test_a_ciphertext_the_key_cannot_open_fails(monkeypatch, emulators):
    digest = hashlib.sha256(first_vector()["expect"]["body"].encode()).hexdigest()
    run_hook(monkeypatch, emulators, expect="Failed", expected_sha256=digest, cipher_text="AAAAAAAAAAAAAAAAAAAAAA==")


def test_an_encrypt_version_that_does_not_round_trip_fails(monkeypatch, emulators):
    # "encrypt" pointed at the decrypt function: its answer to {"plainText"} is the 500 reply.
    vector = first_vector()
    digest = hashlib.sha256(vector["expect"]["body"].encode()).hexdigest()
    run_hook(monkeypatch, emulators, expect="Failed", expected_sha256=digest,
             cipher_text=vector["event"]["cipherText"], encrypt="decrypt:7")
