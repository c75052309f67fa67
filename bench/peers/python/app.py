"""Python 3 peer of credential-decryptor (docs/architecture.md section 2.1), for the cold-start
benchmark.

The same algorithm a Python team would write: hashlib PBKDF2-HMAC-SHA1 over the UTF-16LE
salt, 1000 iterations, 48 bytes = AES-256 key (32) + IV (16); AES-256-CBC via `cryptography`;
plaintext is UTF-16LE. Any failure gets the fixed 500 reply and nothing else.
"""

import base64
import binascii
import hashlib
import json
import os
import sys

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

FAILURE = {"statusCode": 500, "body": "", "isBase64Encoded": False}

# Derived once per process, like the Rust function: PBKDF2 must not run on every call.
_cached = None


def _key_material():
    global _cached
    if _cached is None:
        secret = json.loads(os.environ.get("DD_KEY_JSON", ""))
        salt = str(secret["salt"]).encode("utf-16-le")
        # .NET refuses salts under 8 bytes; the contract treats that as a configuration error.
        if len(salt) < 8:
            raise ValueError("salt too short")
        derived = hashlib.pbkdf2_hmac("sha1", str(secret["keyPhrase"]).encode("utf-8"), salt, 1000, 48)
        _cached = (derived[:32], derived[32:48])
    return _cached


def _cipher_text(event):
    # Property names match case-insensitively; unknown properties are ignored.
    if not isinstance(event, dict):
        return None
    for name, value in event.items():
        if isinstance(name, str) and name.lower() == "ciphertext":
            return value
    return None


def _decrypt(event):
    text = _cipher_text(event)
    if not isinstance(text, str) or not text:
        raise ValueError("missing cipherText")
    # validate=True rejects junk that the default decoder would silently skip.
    data = base64.b64decode("".join(text.split()), validate=True)
    key, iv = _key_material()
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(data) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    plain = unpadder.update(padded) + unpadder.finalize()
    return plain.decode("utf-16-le")


def handler(event, context):
    try:
        return {"statusCode": 200, "body": _decrypt(event), "isBase64Encoded": False}
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError) as err:
        # A stable kind only: never the ciphertext or the plaintext.
        print(f"decrypt failed: {type(err).__name__}", file=sys.stderr)
        return FAILURE
