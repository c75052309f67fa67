'use strict';
// Runs the handler on every vector of decrypt-lambda-compat.json (node --test).
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');

const vectorsPath = process.env.DD_VECTORS
  || path.resolve(__dirname, '../../../../crates/crypto/tests/data/decrypt-lambda-compat.json');
const { vectors } = JSON.parse(fs.readFileSync(vectorsPath, 'utf8'));

vectors.forEach((vector, index) => {
  test(`vector ${index}: ${JSON.stringify(vector.event).slice(0, 60)}`, async () => {
    // Each vector may use its own key: load a fresh copy of the module so the cache resets.
    process.env.DD_KEY_JSON = JSON.stringify(vector.secret);
    delete require.cache[require.resolve('../index.js')];
    const { handler } = require('../index.js');
    const reply = await handler(vector.event);
    assert.deepStrictEqual(reply, { ...vector.expect, isBase64Encoded: false });
  });
});
