'use strict';
// Node 20 peer of credential-decryptor (docs/architecture.md §2.1), for the cold-start benchmark
// only.
// The same algorithm a Node team would write with node:crypto: PBKDF2-HMAC-SHA1 over the
// UTF-16LE salt, 1000 iterations, 48 bytes = AES-256 key (32) + IV (16); AES-256-CBC;
// plaintext is UTF-16LE. Any failure gets the fixed 500 reply and nothing else.
const crypto = require('node:crypto');

const FAILURE = Object.freeze({ statusCode: 500, body: '', isBase64Encoded: false });

// Derived once per process, like the Rust function: PBKDF2 must not run on every call.
let cached;

function keyMaterial() {
  if (cached === undefined) {
    const secret = JSON.parse(process.env.DD_KEY_JSON || '');
    const salt = Buffer.from(String(secret.salt), 'utf16le');
    // .NET refuses salts under 8 bytes; the contract treats that as a configuration error.
    if (salt.length < 8) throw new Error('salt too short');
    const derived = crypto.pbkdf2Sync(Buffer.from(String(secret.keyPhrase), 'utf8'), salt, 1000, 48, 'sha1');
    cached = { key: derived.subarray(0, 32), iv: derived.subarray(32, 48) };
  }
  return cached;
}

// Property names match case-insensitively; the first `cipherText` spelling wins.
function cipherTextOf(event) {
  if (event === null || typeof event !== 'object') return undefined;
  const name = Object.keys(event).find((k) => k.toLowerCase() === 'ciphertext');
  return name === undefined ? undefined : event[name];
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function decrypt(event) {
  const text = cipherTextOf(event);
  if (typeof text !== 'string' || text.length === 0) throw new Error('missing cipherText');
  // Buffer.from(..., 'base64') silently skips junk; the contract wants bad base64 rejected.
  const compact = text.replace(/\s+/g, '');
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) throw new Error('bad base64');
  const { key, iv } = keyMaterial();
  const decipher = crypto.createDecipheriv('aes-256-cbc', key, iv);
  const plain = Buffer.concat([decipher.update(Buffer.from(compact, 'base64')), decipher.final()]);
  if (plain.length % 2 !== 0) throw new Error('odd UTF-16 length');
  return plain.toString('utf16le');
}

exports.handler = async (event) => {
  try {
    return { statusCode: 200, body: decrypt(event), isBase64Encoded: false };
  } catch (err) {
    // A stable kind only: never the ciphertext or the plaintext.
    console.error(`decrypt failed: ${err && err.code ? err.code : 'error'}`);
    return FAILURE;
  }
};
