#!/usr/bin/env python3
"""Sets up moto for the Rust integration tests with boto3: a real AWS client that is not ours,
so the fixtures do not depend on the code under test (and the tests need no Rust AWS SDK).

    moto_admin.py --endpoint URL [--region R] [--ca-bundle PEM] create-secret NAME  (value on stdin)
    moto_admin.py --endpoint URL create-key [--description TEXT]    -> {"Arn": ..., "KeyId": ...}
    moto_admin.py --endpoint URL create-alias ALIAS KEY_ID

Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (moto accepts any). A secret's
value is read from stdin so it never appears in a process listing.
"""

import argparse
import json
import sys

import boto3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--ca-bundle", help="PEM bundle to verify a TLS moto with")
    commands = parser.add_subparsers(dest="command", required=True)
    create_secret = commands.add_parser("create-secret")
    create_secret.add_argument("name")
    create_key = commands.add_parser("create-key")
    create_key.add_argument("--description", default="dd-aws test key")
    create_alias = commands.add_parser("create-alias")
    create_alias.add_argument("alias")
    create_alias.add_argument("key_id")
    args = parser.parse_args()

    def client(service: str):
        return boto3.client(
            service,
            endpoint_url=args.endpoint,
            region_name=args.region,
            verify=args.ca_bundle if args.ca_bundle else True,
        )

    if args.command == "create-secret":
        out = client("secretsmanager").create_secret(
            Name=args.name, SecretString=sys.stdin.read()
        )
        print(out["ARN"])
    elif args.command == "create-key":
        meta = client("kms").create_key(Description=args.description)["KeyMetadata"]
        print(json.dumps({"Arn": meta["Arn"], "KeyId": meta["KeyId"]}))
    elif args.command == "create-alias":
        client("kms").create_alias(AliasName=args.alias, TargetKeyId=args.key_id)


if __name__ == "__main__":
    main()
