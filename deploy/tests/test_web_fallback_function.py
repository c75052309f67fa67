"""The CloudFront Function's /app/ fallback, run in Node (cloudfront-js-2.0 is a JavaScript
subset Node executes as is) exactly as written in the template."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from cfnlint.decode import decode
from conftest import ROOT

CASES = {
    # uri -> (expected uri after the function, or a redirect location)
    "/app/": "/app/index.html",
    "/app/deposits": "/app/index.html",
    "/app/approvals/42": "/app/index.html",
    "/app/index.html": "/app/index.html",
    "/app/config.json": "/app/config.json",
    "/app/assets/index-BxYz12aB.js": "/app/assets/index-BxYz12aB.js",
    "/app/assets/missing-00000000.css": "/app/assets/missing-00000000.css",
    "/tenants/t/companies/1/employees/1/direct-deposits": "/tenants/t/companies/1/employees/1/direct-deposits",
    "/favicon.ico": "/favicon.ico",
    "/": "redirect:/app/",
    "/app": "redirect:/app/",
}


def test_fallback_applies_under_app_only():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node not installed")
    template, errors = decode(str(ROOT / "deploy" / "template.yaml"))
    assert not errors
    code = template["Resources"]["WebAppFallbackFunction"]["Properties"]["FunctionCode"]
    harness = code + """
const cases = JSON.parse(process.argv[1]);
const out = {};
for (const uri of Object.keys(cases)) {
  const result = handler({ request: { uri: uri, method: 'GET', headers: {} } });
  out[uri] = result.statusCode ? 'redirect:' + result.headers.location.value : result.uri;
}
console.log(JSON.stringify(out));
"""
    run = subprocess.run([node, "-e", harness, json.dumps(CASES)], capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == CASES
