#!/usr/bin/env python3
"""The source side of `ddctl import legacy`'s verification report (docs/migration.md).

Reads the CSV export of one legacy tenant database and writes, for every row of
EmployeeDirectDeposit.csv not refused by the import, the line the import's
fingerprints.csv has for it:

    ID,CompanyID,EmployeeID,Status,AmountType,EndDated,Fingerprint

Fingerprint = hex HMAC-SHA256 under the verification key (hex in --key-file) of the UTF-8
text "routing\\naccount\\namount": the account exactly as exported, the amount as a decimal
without trailing zeros ("250", "10.5"), empty for a Balance Remainder. Status and amount
type follow the legacy API's mapping. No account number is printed. Standard library only.

    python3 scripts/legacy-fingerprints.py --from EXPORT --key-file REPORT/verification-key \\
        --refused REPORT/refused.csv > source.csv
    diff source.csv REPORT/fingerprints.csv     # no output: source and target agree
"""

import argparse
import csv
import hashlib
import hmac
import os
import sys
from decimal import Decimal, InvalidOperation

STATUS = {"": "No Status", "-1": "Rejected", "0": "Pending", "1": "Approved"}


def rows(directory, table):
    """The rows of TABLE.csv as dicts keyed by lower-case column name."""
    path = os.path.join(directory, f"{table}.csv")
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = [h.strip().lower() for h in next(reader)]
        for record in reader:
            yield dict(zip(header, record))


def amount_type(code):
    return {"%": "Percentage", "Flat": "Flat"}.get(code, "Balance Remainder")


def canonical_amount(kind, text):
    if kind == "Balance Remainder":
        return ""
    try:
        return format(Decimal(text).normalize(), "f")
    except InvalidOperation:
        return text


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from", dest="export", required=True, help="the export directory")
    parser.add_argument("--key-file", required=True, help="the verification key (hex)")
    parser.add_argument("--refused", help="the import's refused.csv: leave those rows out")
    args = parser.parse_args()

    with open(args.key_file, encoding="ascii") as f:
        key = bytes.fromhex(f.read().strip())
    refused = set()
    if args.refused:
        with open(args.refused, newline="", encoding="utf-8") as f:
            refused = {r["ID"] for r in csv.DictReader(f) if r["Table"] == "EmployeeDirectDeposit"}
    company_of = {e["id"]: e["companyid"] for e in rows(args.export, "Employee")}

    lines = []
    for d in rows(args.export, "EmployeeDirectDeposit"):
        if d["id"] in refused:
            continue
        kind = amount_type(d["amountcode"])
        amount = canonical_amount(kind, d["amount"])
        text = f"{d['routingnumber']}\n{d['account']}\n{amount}".encode("utf-8")
        lines.append([
            d["id"],
            company_of.get(d["employeeid"], ""),
            d["employeeid"],
            STATUS.get(d["approvalstatus"].strip(), "?"),
            kind,
            "1" if d["enddate"] else "0",
            hmac.new(key, text, hashlib.sha256).hexdigest(),
        ])
    lines.sort(key=lambda line: int(line[0]) if line[0].isdigit() else -1)
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["ID", "CompanyID", "EmployeeID", "Status", "AmountType", "EndDated",
                  "Fingerprint"])
    out.writerows(lines)


if __name__ == "__main__":
    main()
