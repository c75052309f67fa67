// The credential decryptor through cargo lambda's emulator, called with the AWS SDK v3 exactly as
// the legacy Node callers call it:
//
//   lambda.invoke({FunctionName: 'credential-decryptor', InvocationType: 'RequestResponse',
//                  Payload: JSON.stringify({cipherText})})  →  JSON.parse(Buffer.from(Payload)).body
//
// Started by ../run-client-tests.sh, which runs one emulator per key secret and writes the
// manifest named by DD_CLIENT_TESTS_MANIFEST (endpoints, secrets, log files).
'use strict';

const { describe, test, before } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { Lambda } = require('@aws-sdk/client-lambda');

const manifestPath = process.env.DD_CLIENT_TESTS_MANIFEST;
if (!manifestPath) {
  throw new Error('DD_CLIENT_TESTS_MANIFEST is not set: run tests/run-client-tests.sh');
}
const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
const vectors = JSON.parse(fs.readFileSync(manifest.vectors, 'utf8')).vectors;
const TEST_TIMEOUT_MS = 120_000; // a hang guard only; nothing here asserts time

const secretKey = (s) => JSON.stringify([s.salt, s.keyPhrase]);
const vectorsFor = (secret) => vectors.filter((v) => secretKey(v.secret) === secretKey(secret));

function lambdaFor(target) {
  return new Lambda({
    region: manifest.region,
    endpoint: target.endpoint,
    credentials: { accessKeyId: manifest.accessKeyId, secretAccessKey: manifest.secretAccessKey },
    maxAttempts: 1, // a failure must show, not be retried away
  });
}

// The legacy caller, verbatim, plus the raw reply bytes for the exact-shape check.
async function legacyInvoke(lambda, payload) {
  const { Payload, StatusCode, FunctionError } = await lambda.invoke({
    FunctionName: manifest.functionName,
    InvocationType: 'RequestResponse',
    Payload: payload,
  });
  assert.equal(StatusCode, 200, 'Lambda Invoke status');
  assert.equal(FunctionError, undefined, 'no function error');
  const raw = Buffer.from(Payload);
  const reply = JSON.parse(Buffer.from(Payload));
  return { raw, reply, body: reply.body };
}

// What the legacy .NET function wrote, byte for byte.
function legacyReplyBytes(statusCode, body) {
  return Buffer.from(JSON.stringify({ statusCode, body, isBase64Encoded: false }), 'utf8');
}

for (const target of manifest.decrypt) {
  describe(`decrypt via ${target.name} (${target.source})`, () => {
    const lambda = lambdaFor(target);
    for (const [i, v] of vectorsFor(target.secret).entries()) {
      const label = `vector ${i}: ${JSON.stringify(Object.keys(v.event))} → ${v.expect.statusCode}`;
      test(label, { timeout: TEST_TIMEOUT_MS }, async () => {
        // The legacy caller's payload when the event is {cipherText}; other shapes (a
        // differently cased name, no property) are sent as the vector gives them.
        const keys = Object.keys(v.event);
        const payload = keys.length === 1 && keys[0] === 'cipherText'
          ? JSON.stringify({ cipherText: v.event.cipherText })
          : JSON.stringify(v.event);
        const { raw, reply, body } = await legacyInvoke(lambda, payload);
        assert.equal(reply.statusCode, v.expect.statusCode);
        assert.equal(typeof body, 'string');
        assert.ok(
          Buffer.from(body, 'utf8').equals(Buffer.from(v.expect.body, 'utf8')),
          'body is byte-identical to the legacy plaintext',
        );
        assert.ok(raw.equals(legacyReplyBytes(v.expect.statusCode, v.expect.body)),
          'reply bytes are exactly the legacy serialization');
      });
    }
  });
}

for (const target of manifest.encrypt) {
  describe(`encrypt via ${target.name} (${target.source}), decrypt round trip`, () => {
    const encryptor = lambdaFor(target);
    let decryptor;
    before(() => {
      const peer = manifest.decrypt.find(
        (d) => d.source === target.source && secretKey(d.secret) === secretKey(target.secret),
      );
      assert.ok(peer, `a decrypt emulator with the same secret as ${target.name}`);
      decryptor = lambdaFor(peer);
    });
    const plaintexts = vectorsFor(target.secret).filter((v) => v.expect.statusCode === 200);
    for (const [i, v] of plaintexts.entries()) {
      test(`plaintext ${i} (${[...v.expect.body].length} chars)`, { timeout: TEST_TIMEOUT_MS }, async () => {
        const enc = await legacyInvoke(encryptor, JSON.stringify({ plainText: v.expect.body }));
        assert.equal(enc.reply.statusCode, 200);
        assert.match(enc.body, /^[A-Za-z0-9+/]+={0,2}$/, 'base64 ciphertext');
        // Key and IV come from the secret, so encryption is deterministic: the same bytes the
        // legacy .NET function produced.
        assert.equal(enc.body, v.event.cipherText ?? v.event.CipherText, 'legacy ciphertext');
        const dec = await legacyInvoke(decryptor, JSON.stringify({ cipherText: enc.body }));
        assert.equal(dec.reply.statusCode, 200);
        assert.ok(Buffer.from(dec.body, 'utf8').equals(Buffer.from(v.expect.body, 'utf8')));
      });
    }
    test('empty or missing plainText gets the 500 reply', { timeout: TEST_TIMEOUT_MS }, async () => {
      for (const payload of [JSON.stringify({ plainText: '' }), JSON.stringify({}), '"warmup"']) {
        const { raw } = await legacyInvoke(encryptor, payload);
        assert.ok(raw.equals(legacyReplyBytes(500, '')), `reply to ${payload}`);
      }
    });
  });
}

for (const target of manifest.missing) {
  describe(`key secret missing: ${target.name} (${target.source})`, () => {
    const lambda = lambdaFor(target);
    for (const [i, v] of vectors.entries()) {
      test(`vector ${i} gets the 500 reply`, { timeout: TEST_TIMEOUT_MS }, async () => {
        const { raw } = await legacyInvoke(lambda, JSON.stringify(v.event));
        assert.ok(raw.equals(legacyReplyBytes(500, '')));
      });
    }
  });
}
