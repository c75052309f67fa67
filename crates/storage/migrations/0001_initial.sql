-- One schema for SQLite and Postgres. `@ID_PK@` is replaced per backend (see connect.rs);
-- everything else is portable DDL. Ids are 64-bit integers, amounts integers (cents or
-- hundredths of a percent), timestamps integer epoch milliseconds.

CREATE TABLE tenants (
    id          TEXT   NOT NULL PRIMARY KEY,   -- UUID string from the token / path
    name        TEXT   NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE companies (
    tenant_id   TEXT   NOT NULL REFERENCES tenants (id),
    id          BIGINT NOT NULL,               -- the HR system's company id, per tenant
    name        TEXT   NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE employees (
    tenant_id   TEXT   NOT NULL,
    company_id  BIGINT NOT NULL,
    id          BIGINT NOT NULL,               -- the HR system's employee id, per company
    first_name  TEXT   NOT NULL,
    last_name   TEXT   NOT NULL,
    PRIMARY KEY (tenant_id, company_id, id),
    FOREIGN KEY (tenant_id, company_id) REFERENCES companies (tenant_id, id)
);

CREATE TABLE users (
    id          @ID_PK@,
    tenant_id   TEXT   NOT NULL REFERENCES tenants (id),
    email       TEXT   NOT NULL,               -- stored lower-case
    role        TEXT   NOT NULL CHECK (role IN ('employee', 'admin')),
    company_id  BIGINT,
    employee_id BIGINT,
    UNIQUE (tenant_id, email),
    FOREIGN KEY (tenant_id, company_id, employee_id)
        REFERENCES employees (tenant_id, company_id, id)
);

-- The tenant's payroll service account. The password stays in the legacy ciphertext
-- format; only the API decrypts it, in memory, right before the token call.
CREATE TABLE payroll_accounts (
    tenant_id           TEXT   NOT NULL PRIMARY KEY REFERENCES tenants (id),
    api_base_url        TEXT   NOT NULL,
    username            TEXT   NOT NULL,
    password_ciphertext TEXT   NOT NULL,
    client_id           BIGINT NOT NULL,
    company_id          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);

CREATE TABLE direct_deposits (
    id                  @ID_PK@,
    tenant_id           TEXT   NOT NULL,
    company_id          BIGINT NOT NULL,
    employee_id         BIGINT NOT NULL,
    routing_number      TEXT   NOT NULL,
    account_ciphertext  TEXT   NOT NULL,       -- opaque, produced by the caller
    account_last4       TEXT   NOT NULL,
    account_fingerprint TEXT   NOT NULL,       -- keyed hash for the duplicate rule
    designation         TEXT   NOT NULL CHECK (designation IN ('Checking', 'Savings', 'MoneyMarket')),
    amount_type         TEXT   NOT NULL CHECK (amount_type IN ('Flat', 'Percentage', 'Balance Remainder')),
    amount              BIGINT,                -- NULL exactly for Balance Remainder
    status              TEXT   NOT NULL CHECK (status IN ('Pending', 'Approved', 'Rejected', 'No Status')),
    end_dated_at        BIGINT,                -- set when an Approved deposit is deleted
    payroll_ed_id       BIGINT,                -- the payroll suite's id, once delivered
    version             BIGINT NOT NULL,       -- optimistic concurrency
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    CHECK ((amount IS NULL AND amount_type = 'Balance Remainder')
        OR (amount IS NOT NULL AND amount_type <> 'Balance Remainder')),
    FOREIGN KEY (tenant_id, company_id, employee_id)
        REFERENCES employees (tenant_id, company_id, id)
);

CREATE INDEX ix_dd_employee ON direct_deposits (tenant_id, company_id, employee_id, id);

-- The per-employee rules (dd_domain::check_new_deposit) enforced again by the database,
-- so two concurrent requests cannot both pass the check on Postgres.
CREATE UNIQUE INDEX ux_dd_account
    ON direct_deposits (tenant_id, company_id, employee_id, routing_number, account_fingerprint)
    WHERE end_dated_at IS NULL;
CREATE UNIQUE INDEX ux_dd_remainder
    ON direct_deposits (tenant_id, company_id, employee_id)
    WHERE amount_type = 'Balance Remainder' AND end_dated_at IS NULL;

-- Old/new values are JSON snapshots with the account masked (last 4 only).
CREATE TABLE audit_log (
    id             @ID_PK@,
    tenant_id      TEXT   NOT NULL REFERENCES tenants (id),
    company_id     BIGINT,
    employee_id    BIGINT,
    entity         TEXT   NOT NULL,
    entity_id      BIGINT NOT NULL,
    action         TEXT   NOT NULL,
    actor_user_id  BIGINT,
    actor          TEXT   NOT NULL,
    old_value      TEXT,
    new_value      TEXT,
    created_at     BIGINT NOT NULL
);

CREATE INDEX ix_audit_entity ON audit_log (tenant_id, entity, entity_id, id);

-- Payroll changes waiting for delivery, written in the same transaction as the change.
CREATE TABLE payroll_outbox (
    id               @ID_PK@,
    tenant_id        TEXT   NOT NULL REFERENCES tenants (id),
    company_id       BIGINT NOT NULL,
    employee_id      BIGINT NOT NULL,
    deposit_id       BIGINT NOT NULL,
    action           TEXT   NOT NULL CHECK (action IN ('upsert', 'end_date')),
    payload          TEXT   NOT NULL,          -- JSON snapshot; account only as ciphertext
    idempotency_key  TEXT   NOT NULL UNIQUE,   -- sent to payroll with every attempt
    status           TEXT   NOT NULL CHECK (status IN ('pending', 'in_flight', 'done', 'dead')),
    attempts         BIGINT NOT NULL,
    next_attempt_at  BIGINT NOT NULL,
    lease_until      BIGINT,
    last_error       TEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);

CREATE INDEX ix_outbox_due ON payroll_outbox (status, next_attempt_at);
CREATE INDEX ix_outbox_deposit ON payroll_outbox (tenant_id, deposit_id, id);

-- Stored responses of idempotent requests, keyed per tenant and caller.
CREATE TABLE idempotency_keys (
    tenant_id     TEXT   NOT NULL REFERENCES tenants (id),
    principal     TEXT   NOT NULL,
    idem_key      TEXT   NOT NULL,
    request_hash  TEXT   NOT NULL,
    status_code   BIGINT NOT NULL,
    body          TEXT   NOT NULL,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, principal, idem_key)
);
