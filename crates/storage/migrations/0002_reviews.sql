-- HR review of deposits: the reason a deposit was rejected (shown with the Rejected
-- resource), and an index for the company-wide list of pending deposits, oldest first.

ALTER TABLE direct_deposits ADD COLUMN rejection_reason TEXT;

CREATE INDEX ix_dd_company_status
    ON direct_deposits (tenant_id, company_id, status, created_at, id);
