-- GBatchy test fixture, PostgreSQL only: the column types SQLite has no name for, applied after schema.sql and
-- data.sql in the same transaction (GBatchyPostgresTesting's loadFixture). SQLite keeps these as TEXT and INTEGER.
ALTER TABLE posts
    ALTER COLUMN published_at TYPE timestamp USING published_at::timestamp,
    ALTER COLUMN is_featured DROP DEFAULT,
    ALTER COLUMN is_featured TYPE boolean USING is_featured <> 0,
    ALTER COLUMN is_featured SET DEFAULT false;
