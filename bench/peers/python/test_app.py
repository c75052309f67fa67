"""Runs the handler on every vector of decrypt-lambda-compat.json (python3 -m unittest)."""

import importlib
import json
import os
import pathlib
import unittest

import app

VECTORS = pathlib.Path(
    os.environ.get(
        "DD_VECTORS",
        pathlib.Path(__file__).resolve().parents[3]
        / "crates/crypto/tests/data/decrypt-lambda-compat.json",
    )
)


class VectorTest(unittest.TestCase):
    def test_all_vectors(self):
        vectors = json.loads(VECTORS.read_text(encoding="utf-8"))["vectors"]
        self.assertGreater(len(vectors), 0)
        for index, vector in enumerate(vectors):
            with self.subTest(index=index, event=vector["event"]):
                # Each vector may use its own key: reload so the per-process cache resets.
                os.environ["DD_KEY_JSON"] = json.dumps(vector["secret"])
                module = importlib.reload(app)
                expected = dict(vector["expect"], isBase64Encoded=False)
                self.assertEqual(module.handler(vector["event"], None), expected)


if __name__ == "__main__":
    unittest.main()
