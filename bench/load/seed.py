"""The load tenant: a legacy-format export (the CSV files `ddctl import legacy` reads, see
docs/migration.md) with one company, N employees each with their own user, and two
approved deposits per employee (a Balance Remainder and a Flat amount), so every list
returns a page. Seeding goes through `ddctl import legacy`, the same path a real tenant
takes, and tokens come from `ddctl token`."""

import base64
import concurrent.futures
import csv
import os
import secrets
import subprocess

LOAD_TENANT = "00000000-0000-4000-8000-00000000100a"
COMPANY = 1
ROUTINGS = ["021000021", "011000015", "026009593", "121000358", "322271627", "061000104"]


def seeded_account(employee: int, n: int) -> str:
    # Distinctive (the log scan looks for every one of them) and unique per employee.
    return f"S8{employee:05d}{n}{employee * 7919 % 100000:05d}"


def write_export(directory: str, employees: int) -> dict:
    """Writes the seven CSV files; returns the secrets they hold (for the log scan)."""
    os.makedirs(directory, exist_ok=True)
    accounts = []
    # The payroll password as the legacy API stored it: a ciphertext (random here: the
    # load run never approves, so payroll is never called for this tenant).
    password_ciphertext = base64.b64encode(secrets.token_bytes(32)).decode()

    def table(name, header, rows):
        with open(os.path.join(directory, name), "w", newline="", encoding="utf-8") as f:
            out = csv.writer(f)
            out.writerow(header)
            out.writerows(rows)

    table("Company.csv", ["ID", "PR_Integration_PK", "PRIntegration_ClientID", "CompanyName"],
          [[COMPANY, 9101, 5001, "Load Test Co"]])
    table("Employee.csv", ["ID", "CompanyID", "PR_Integration_PK", "FirstName", "LastName"],
          [[e, COMPANY, 70000 + e, f"Load{e}", "Employee"] for e in range(1, employees + 1)])
    deposits = []
    for e in range(1, employees + 1):
        for n, (code, amount) in enumerate([("Balance", "0.00"), ("Flat", "100.00")]):
            account = seeded_account(e, n)
            accounts.append(account)
            deposit_id = e * 10 + n
            deposits.append([deposit_id, e, ROUTINGS[(e + n) % len(ROUTINGS)], account,
                             "2024-01-15", "", code, amount, 1, 1, 0, 0, 800000 + deposit_id])
    table("EmployeeDirectDeposit.csv",
          ["ID", "EmployeeID", "RoutingNumber", "Account", "StartDate", "EndDate", "AmountCode",
           "Amount", "ApprovalStatus", "Checking", "IsSavings", "IsMoneyMarket",
           "EvoFK_EmployeeEarningsDeduction"], deposits)
    table("PRServiceLocation.csv", ["APIUsername", "APIPassword"],
          [["svc-load", password_ciphertext]])
    table("HRnextUser.csv", ["ID", "Username"],
          [[5000 + e, f"load{e}@load.example"] for e in range(1, employees + 1)])
    table("HRnextUserEmployee.csv", ["HRnextUserID", "EmployeeID"],
          [[5000 + e, e] for e in range(1, employees + 1)])
    table("UserRole.csv", ["Username", "RoleLevel"],
          [[f"load{e}@load.example", 10] for e in range(1, employees + 1)])
    return {"accounts": accounts, "passwords": [password_ciphertext]}


def import_export(ddctl: str, export_dir: str, data_dir: str, report_dir: str,
                  database_url: str | None) -> None:
    cmd = [ddctl, "import", "legacy", "--tenant", LOAD_TENANT, "--from", export_dir,
           "--data-dir", data_dir, "--report-dir", report_dir,
           # Never called: the load run approves nothing for this tenant.
           "--payroll-api-url", "http://127.0.0.1:9"]
    if database_url:
        cmd += ["--database-url", database_url]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"ddctl import legacy failed:\n{done.stdout}\n{done.stderr}")


def tokens(ddctl: str, data_dir: str, employees: int) -> list[tuple[int, int, str]]:
    """(company, employee, token) for each employee, minted by `ddctl token`."""

    def mint(employee: int) -> tuple[int, int, str]:
        done = subprocess.run(
            [ddctl, "token", "--data-dir", data_dir, "--tenant", LOAD_TENANT,
             "--company", str(COMPANY), "--employee", str(employee)],
            capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"ddctl token failed for employee {employee}: {done.stderr}")
        return COMPANY, employee, done.stdout.strip()

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(mint, range(1, employees + 1)))
