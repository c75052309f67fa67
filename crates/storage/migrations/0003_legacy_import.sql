-- Moving a tenant off the legacy SQL Server tables (`ddctl import legacy`,
-- docs/migration.md): the payroll keys the legacy tables held, and what each import did.

-- The payroll suite's keys of a company and an employee, as the legacy tables held them
-- (Company.PRIntegration_ClientID and PR_Integration_PK, Employee.PR_Integration_PK), so
-- payroll calls for an imported employee keep addressing the same payroll records. NULL:
-- not known; payroll calls then use the tenant's payroll account and our employee id.
ALTER TABLE companies ADD COLUMN payroll_client_id BIGINT;
ALTER TABLE companies ADD COLUMN payroll_company_id BIGINT;
ALTER TABLE employees ADD COLUMN payroll_employee_id BIGINT;

-- One row per import run that changed something.
CREATE TABLE legacy_import_runs (
    id          @ID_PK@,
    tenant_id   TEXT   NOT NULL REFERENCES tenants (id),
    actor       TEXT   NOT NULL,
    summary     TEXT   NOT NULL,               -- JSON counts of what the run did
    created_at  BIGINT NOT NULL
);

-- The legacy rows a run refused and why (never an account number): the import report an
-- HR admin reads.
CREATE TABLE legacy_import_refusals (
    run_id       BIGINT NOT NULL REFERENCES legacy_import_runs (id),
    tenant_id    TEXT   NOT NULL,
    legacy_table TEXT   NOT NULL,              -- e.g. EmployeeDirectDeposit
    legacy_id    TEXT   NOT NULL,              -- the row's ID in that table
    employee_id  BIGINT,
    reason       TEXT   NOT NULL
);

CREATE INDEX ix_import_refusals ON legacy_import_refusals (tenant_id, run_id);

-- What each imported legacy deposit became: re-runs compare the source row's keyed digest
-- and the deposit's version with these, so the same input changes nothing and a deposit
-- changed in the new system since is never overwritten. A payroll E/D id here means the
-- legacy system already created that E/D: payroll changes update it, never create another.
CREATE TABLE legacy_deposit_imports (
    tenant_id        TEXT   NOT NULL,
    deposit_id       BIGINT NOT NULL,          -- = the legacy EmployeeDirectDeposit.ID
    source_digest    TEXT   NOT NULL,
    imported_version BIGINT NOT NULL,          -- direct_deposits.version the import wrote
    payroll_ed_id    BIGINT,                   -- EvoFK_EmployeeEarningsDeduction at import
    run_id           BIGINT NOT NULL REFERENCES legacy_import_runs (id),
    PRIMARY KEY (tenant_id, deposit_id)
);
