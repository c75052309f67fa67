-- dbo.EmployeeDirectDeposit as EmployeeDirectDeposit.csv for ddctl import legacy (docs/migration.md).
-- One RFC 4180 line per row, built by the server so any client writes it verbatim: every
-- value quoted (inner quotes doubled), NULL an empty unquoted field, dates yyyy-mm-dd,
-- amounts plain decimals. The text has no double quote (CHAR(34) instead): it can be
-- passed to bcp inside a shell's double quotes.
SELECT line FROM (
    SELECT 0 AS k, 0 AS id, CAST(N'ID,EmployeeID,RoutingNumber,Account,StartDate,EndDate,AmountCode,Amount,ApprovalStatus,Checking,IsSavings,IsMoneyMarket,EvoFK_EmployeeEarningsDeduction' AS nvarchar(max)) AS line
    UNION ALL
    SELECT 1, ID, CAST(N'' AS nvarchar(max))
        + ISNULL(CHAR(34) + REPLACE(CONVERT(nvarchar(4000), ID), CHAR(34), CHAR(34) + CHAR(34)) + CHAR(34), N'')
        + N',' + ISNULL(CHAR(34) + REPLACE(CONVERT(nvarchar(4000), EmployeeID), CHAR(34), CHAR(34) + CHAR(34)) + CHAR(34), N'')
        + N',' + ISNULL(CHAR(34) + REPLACE(CONVERT(nvarchar(4000), RoutingNumber), CHAR(34), CHAR(34) + CHAR(34)) + CHAR(34), N'')
        + N',' + ISNULL(CHAR(34) + REPLACE(CONVERT(nvarchar(4000), Account), CHAR(34), CHAR(34) + CHAR(34)) + CHAR(34), N'')
        + N',' + ISNULL(CONVERT(char(10), StartDate, 23), N'')
        + N',' + ISNULL(CONVERT(char(10), EndDate, 23), N'')
        + N',' + ISNULL(CHAR(34) + REPLACE(CONVERT(nvarchar(4000), AmountCode), CHAR(34), CHAR(34) + CHAR(34)) + CHAR(34), N'')
        + N',' + ISNULL(CONVERT(varchar(40), CAST(Amount AS decimal(19, 4))), N'')
        + N',' + ISNULL(CHAR(34) + REPLACE(CONVERT(nvarchar(4000), ApprovalStatus), CHAR(34), CHAR(34) + CHAR(34)) + CHAR(34), N'')
        + N',' + ISNULL(CHAR(34) + REPLACE(CONVERT(nvarchar(4000), Checking), CHAR(34), CHAR(34) + CHAR(34)) + CHAR(34), N'')
        + N',' + ISNULL(CHAR(34) + REPLACE(CONVERT(nvarchar(4000), IsSavings), CHAR(34), CHAR(34) + CHAR(34)) + CHAR(34), N'')
        + N',' + ISNULL(CHAR(34) + REPLACE(CONVERT(nvarchar(4000), IsMoneyMarket), CHAR(34), CHAR(34) + CHAR(34)) + CHAR(34), N'')
        + N',' + ISNULL(CHAR(34) + REPLACE(CONVERT(nvarchar(4000), EvoFK_EmployeeEarningsDeduction), CHAR(34), CHAR(34) + CHAR(34)) + CHAR(34), N'')
    FROM dbo.EmployeeDirectDeposit
) AS export
ORDER BY k, id
