-- Chinook, PostgreSQL only: the column types SQLite has no name for, applied after schema.sql and data.sql in the
-- same transaction (GBatchyPostgresTesting's loadFixture). SQLite keeps these as TEXT.
ALTER TABLE employees
    ALTER COLUMN birth_date TYPE timestamp USING birth_date::timestamp,
    ALTER COLUMN hire_date TYPE timestamp USING hire_date::timestamp;
ALTER TABLE invoices ALTER COLUMN invoice_date TYPE timestamp USING invoice_date::timestamp;
