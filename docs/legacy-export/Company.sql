-- dbo.Company as Company.csv for ddctl import legacy (docs/migration.md).
-- One RFC 4180 line per row, built by the server so any client writes it verbatim: every
-- value quoted (inner quotes doubled), NULL an empty unquoted field, dates yyyy-mm-dd,
-- amounts plain decimals. The text has no double quote (CHAR(34) instead): it can be
-- passed to bcp inside a shell's double quotes.
SELECT line FROM (
    SELECT 0 AS k, 0 AS id, CAST(N'ID,PR_Integration_PK,PRIntegration_ClientID,CompanyName' AS nvarchar(max)) AS line
    UNION ALL
    SELECT 1, ID, CAST(N'' AS nvarchar(max))
        + ISNULL(CHAR(34) + REPLACE(CONVERT(nvarchar(4000), ID), CHAR(34), CHAR(34) + CHAR(34)) + CHAR(34), N'')
        + N',' + ISNULL(CHAR(34) + REPLACE(CONVERT(nvarchar(4000), PR_Integration_PK), CHAR(34), CHAR(34) + CHAR(34)) + CHAR(34), N'')
        + N',' + ISNULL(CHAR(34) + REPLACE(CONVERT(nvarchar(4000), PRIntegration_ClientID), CHAR(34), CHAR(34) + CHAR(34)) + CHAR(34), N'')
        + N',' + ISNULL(CHAR(34) + REPLACE(CONVERT(nvarchar(4000), CompanyName), CHAR(34), CHAR(34) + CHAR(34)) + CHAR(34), N'')
    FROM dbo.Company
) AS export
ORDER BY k, id
