"""Invariants of the stack, read from the template `sam build` wrote (DD_BUILT_TEMPLATE; the
source template when unset) and from its CloudFormation form (the SAM transform, run offline).

What the issue and docs/architecture.md §2.7 require and linters do not check: decrypt/encrypt published
through alias `live` with a CodeDeploy canary, alarms on the new version, a pre-traffic hook;
the decryptor outside any VPC and the API/drainer inside; no wildcard IAM resources; JSON logs
with retention for every function; every API route reachable; the web distribution's shape.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from cfnlint.decode import decode
from conftest import ROOT
from samtranslator.translator.transform import transform

SOURCE = ROOT / "deploy" / "template.yaml"
BUILT = Path(os.environ.get("DD_BUILT_TEMPLATE", SOURCE))
RUST_FUNCTIONS = {
    "DecryptFunction": "credential-decryptor",
    "EncryptFunction": "credential-decryptor",
    "ApiFunction": "direct-deposit-api",
    "DrainerFunction": "payroll-outbox-drainer",
}
CANARIED = {"DecryptFunction": "decrypt", "EncryptFunction": "encrypt"}


def load(path: Path) -> dict:
    template, errors = decode(str(path))
    assert not errors, errors
    return json.loads(json.dumps(template))  # plain dicts and lists


@pytest.fixture(scope="module")
def sam() -> dict:
    return load(BUILT)


@pytest.fixture(scope="module")
def cfn(sam, monkeypatch_module) -> dict:
    """The CloudFormation the SAM transform makes of the built template (no AWS call: the
    managed-policy map is only needed for policy templates, which this stack does not use)."""
    monkeypatch_module.setenv("AWS_DEFAULT_REGION", "us-east-1")
    template = copy.deepcopy(sam)
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function" and "CodeUri" in resource["Properties"]:
            resource["Properties"]["CodeUri"] = "s3://bucket/key"  # transform wants S3

    class NoManagedPolicies:
        def load(self):
            return {}

    return transform(template, {}, NoManagedPolicies())


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def resources(template: dict, kind: str) -> dict:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def test_sam_built_every_rust_function():
    if BUILT == SOURCE:
        pytest.skip("DD_BUILT_TEMPLATE not set (deploy/check sets it after sam build)")
    built = load(BUILT)
    for name, binary in RUST_FUNCTIONS.items():
        function = built["Resources"][name]
        assert function["Metadata"]["BuildProperties"]["Binary"] == binary
        bootstrap = BUILT.parent / function["Properties"]["CodeUri"] / "bootstrap"
        assert bootstrap.is_file() and os.access(bootstrap, os.X_OK), bootstrap
        assert bootstrap.read_bytes()[:4] == b"\x7fELF", bootstrap


def test_every_built_bootstrap_runs_on_the_al2023_glibc():
    """provided.al2023 has glibc 2.34: a binary that needs a newer symbol version does not start
    there. The decryptor links against the build host's glibc (cargo and LLD, not zig, for its
    cold-path symbol order), so this holds that line for every function."""
    if BUILT == SOURCE:
        pytest.skip("DD_BUILT_TEMPLATE not set (deploy/check sets it after sam build)")
    built = load(BUILT)
    for name in RUST_FUNCTIONS:
        bootstrap = BUILT.parent / built["Resources"][name]["Properties"]["CodeUri"] / "bootstrap"
        symbols = subprocess.run(
            ["objdump", "-T", str(bootstrap)], capture_output=True, text=True, check=True
        ).stdout
        versions = {
            tuple(int(part) for part in version.split("."))
            for version in re.findall(r"GLIBC_(\d+(?:\.\d+)+)", symbols)
        }
        assert versions, f"{name}: no glibc symbol versions found"
        assert max(versions) <= (2, 34), f"{name} needs GLIBC_{'.'.join(map(str, max(versions)))}"


def test_every_rust_function_names_its_binary_where_sam_reads_it(sam):
    for name, binary in RUST_FUNCTIONS.items():
        metadata = sam["Resources"][name]["Metadata"]
        assert metadata["BuildMethod"] == "rust-cargolambda"
        assert metadata["BuildProperties"] == {"Binary": binary}, name


def test_decrypt_and_encrypt_roll_out_through_a_canary_with_alarms_and_a_hook(sam, cfn):
    for name, operation in CANARIED.items():
        props = sam["Resources"][name]["Properties"]
        assert props["FunctionName"] == {"Fn::Sub": "${Service}-${Stage}-" + operation}
        assert props["AutoPublishAlias"] == "live"
        preference = props["DeploymentPreference"]
        assert preference["Type"] == {"Ref": "DeploymentType"}
        assert preference["Hooks"]["PreTraffic"] == {"Ref": "DecryptorPreTrafficHook"}
        metrics = set()
        for alarm_ref in preference["Alarms"]:
            alarm = sam["Resources"][alarm_ref["Ref"]]["Properties"]
            metrics.add(alarm["MetricName"])
            dims = {d["Name"]: d["Value"] for d in alarm["Dimensions"]}
            # The new version only, as invoked through the alias.
            assert dims["FunctionName"] == {"Ref": name}
            assert dims["Resource"] == {"Fn::Sub": "${" + name + "}:live"}
            assert dims["ExecutedVersion"]["Fn::Select"][1]["Fn::Split"][1] == {"Ref": f"{name}.Version"}
        assert metrics == {"Errors", "Duration"}, name
        group = cfn["Resources"][f"{name}DeploymentGroup"]["Properties"]
        assert group["AlarmConfiguration"]["Enabled"] is True
        assert "DEPLOYMENT_STOP_ON_ALARM" in group["AutoRollbackConfiguration"]["Events"]
        alias = cfn["Resources"][f"{name}Aliaslive"]
        assert alias["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]["BeforeAllowTrafficHook"] == {
            "Ref": "DecryptorPreTrafficHook"
        }
    assert sam["Parameters"]["DeploymentType"]["Default"].startswith("Canary")
    hook = sam["Resources"]["DecryptorPreTrafficHook"]["Properties"]
    assert hook["FunctionName"]["Fn::Sub"].startswith("CodeDeployHook_")
    assert "CANARY_PLAINTEXT_SHA256" in hook["Environment"]["Variables"]


def test_decryptor_is_outside_any_vpc_and_api_and_drainer_inside(cfn):
    functions = resources(cfn, "AWS::Lambda::Function")
    for name in ("DecryptFunction", "EncryptFunction", "DecryptorPreTrafficHook"):
        assert "VpcConfig" not in functions[name]["Properties"], name
    for name in ("ApiFunction", "DrainerFunction"):
        vpc = functions[name]["Properties"]["VpcConfig"]
        assert vpc == {"SubnetIds": {"Ref": "VpcSubnetIds"}, "SecurityGroupIds": {"Ref": "VpcSecurityGroupIds"}}


def test_rust_functions_are_x86_64_on_al2023(cfn):
    functions = resources(cfn, "AWS::Lambda::Function")
    for name in RUST_FUNCTIONS:
        props = functions[name]["Properties"]
        assert props["Runtime"] == "provided.al2023" and props["Handler"] == "bootstrap"
        assert props["Architectures"] == ["x86_64"], name


def strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)


def policy_statements(cfn):
    """(resource, statement) of every identity and resource policy in the template."""
    for name, resource in cfn["Resources"].items():
        props = resource.get("Properties", {})
        documents = [p["PolicyDocument"] for p in props.get("Policies", [])]
        if resource["Type"] in ("AWS::S3::BucketPolicy", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            documents.append(props["PolicyDocument"])
        for document in documents:
            for statement in document["Statement"]:
                yield name, statement


def test_no_wildcard_iam_resources(cfn):
    # Object keys and a secret's random suffix are the only parts whose names are unknowable.
    allowed = re.compile(r"(/app/\*|/\*|-\?\?\?\?\?\?)$")
    checked = 0
    for name, statement in policy_statements(cfn):
        targets = statement.get("Resource", [])
        targets = targets if isinstance(targets, list) else [targets]
        for target in targets:
            checked += 1
            assert target != "*", f"{name}: Resource '*' in {statement}"
            for text in strings(target):
                if "*" in text:
                    assert allowed.search(text), f"{name}: wildcard {text!r}"
                    assert statement["Effect"] == "Deny" or "s3:" in json.dumps(statement["Action"]), name
    assert checked >= 15
    # The key policy's "*" means "this key" and is the only one; use is granted by ARN above.
    for key in resources(cfn, "AWS::KMS::Key").values():
        for statement in key["Properties"]["KeyPolicy"]["Statement"]:
            assert statement["Principal"] == {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}


def test_every_function_logs_json_to_a_log_group_with_retention(cfn):
    functions = resources(cfn, "AWS::Lambda::Function")
    assert len(functions) == 5
    for name, function in functions.items():
        logging = function["Properties"]["LoggingConfig"]
        assert logging["LogFormat"] == "JSON", name
        group = cfn["Resources"][logging["LogGroup"]["Ref"]]
        assert group["Type"] == "AWS::Logs::LogGroup"
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, name
    access_log = cfn["Resources"]["HttpApiApiGatewayDefaultStage"]["Properties"]["AccessLogSettings"]
    assert json.loads(access_log["Format"])["requestId"] == "$context.requestId"


def test_no_secret_in_any_function_environment(sam):
    secretish = re.compile(r"(PASSWORD|PASSPHRASE|KEY_JSON|JWT_SECRET|_SECRET$|FINGERPRINT_KEY$|DATABASE_URL)")
    for name, function in resources(sam, "AWS::Serverless::Function").items():
        variables = function["Properties"].get("Environment", {}).get("Variables", {})
        for variable in variables:
            assert not secretish.search(variable), f"{name}: {variable}"


def test_every_openapi_route_reaches_the_api(sam):
    spec = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text())
    event = sam["Resources"]["ApiFunction"]["Properties"]["Events"]["Tenants"]["Properties"]
    assert event["Method"] == "ANY" and event["Path"] == "/tenants/{proxy+}"
    behaviors = sam["Resources"]["WebDistribution"]["Properties"]["DistributionConfig"]["CacheBehaviors"]
    api_patterns = [b["PathPattern"] for b in behaviors if b["TargetOriginId"] == "api"]
    assert api_patterns == ["/tenants/*"]
    assert spec["paths"]
    for path in spec["paths"]:
        assert path.startswith("/tenants/"), f"{path}: add an HTTP API route and a CloudFront behavior"


def test_web_distribution_shape(sam):
    config = sam["Resources"]["WebDistribution"]["Properties"]["DistributionConfig"]
    web_origin = next(o for o in config["Origins"] if o["Id"] == "web")
    assert web_origin["OriginAccessControlId"] == {"Fn::GetAtt": ["WebOriginAccessControl", "Id"]}
    assert "CustomErrorResponses" not in config, "a global error fallback would hit API paths"
    default = config["DefaultCacheBehavior"]
    assert default["FunctionAssociations"][0]["EventType"] == "viewer-request"
    bucket = sam["Resources"]["WebBucket"]["Properties"]["PublicAccessBlockConfiguration"]
    assert all(bucket.values())
    headers = sam["Resources"]["WebSecurityHeaders"]["Properties"]["ResponseHeadersPolicyConfig"]
    security = headers["SecurityHeadersConfig"]
    assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert "ContentTypeOptions" in security
    csp = sam["Parameters"]["ContentSecurityPolicy"]["Default"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_alarms_cover_errors_and_payroll_dead_letters(sam):
    alarms = resources(sam, "AWS::CloudWatch::Alarm")
    metrics = {(a["Properties"]["Namespace"] if isinstance(a["Properties"]["Namespace"], str) else "custom", a["Properties"]["MetricName"]) for a in alarms.values()}
    assert ("custom", "PayrollDeadLetters") in metrics
    assert ("AWS/ApiGateway", "5xx") in metrics
    erroring = {
        d["Value"]["Ref"]
        for a in alarms.values()
        if a["Properties"]["MetricName"] == "Errors"
        for d in a["Properties"]["Dimensions"]
        if d["Name"] == "FunctionName"
    }
    assert erroring == {"DecryptFunction", "EncryptFunction", "ApiFunction", "DrainerFunction"}


def test_outputs_name_every_endpoint(sam):
    outputs = set(sam["Outputs"])
    for name in (
        "DecryptFunctionLiveArn",
        "EncryptFunctionLiveArn",
        "ApiEndpoint",
        "WebUrl",
        "WebApiBaseUrl",
        "WebBucketName",
        "WebDistributionId",
        "DrainerFunctionName",
        "EnvelopeKeyArn",
        "DatabaseHost",
    ):
        assert name in outputs, name


def test_migrations_run_with_the_drainer_version_being_deployed(sam):
    migration = sam["Resources"]["DatabaseMigration"]["Properties"]
    # A stable token (CloudFormation refuses to change it) and a property that changes with
    # every published drainer version, so each code change re-runs the migration.
    assert migration["ServiceToken"] == {"Ref": "DrainerFunction.Alias"}
    assert migration["DrainerVersion"] == {"Ref": "DrainerFunction.Version"}
    assert sam["Resources"]["ApiFunction"]["DependsOn"] == "DatabaseMigration"


def test_legacy_takeover_template_uses_the_logical_ids_sam_generates(cfn):
    """deploy/legacy-import.yaml must name its resources as the SAM stack does, or the SAM
    deploy after the takeover would create new functions and aliases instead of updating."""
    legacy = load(ROOT / "deploy" / "legacy-import.yaml")
    for name, resource in legacy["Resources"].items():
        if name.endswith("LegacyVersion"):
            continue  # retained .NET versions: SAM publishes its own
        assert name in cfn["Resources"], name
        assert cfn["Resources"][name]["Type"] == resource["Type"], name
        ours = cfn["Resources"][name]["Properties"]
        theirs = resource["Properties"]
        for key in ("FunctionName", "LogGroupName", "Name"):
            if key in theirs:
                assert ours[key] == theirs[key], (name, key)
