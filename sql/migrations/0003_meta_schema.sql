-- Migration 0003: the digest of everything apply_schema writes (pipelines/load/warehouse.py
-- schema_digest: the migrations, the views and macros, the comments, the vocabulary and the summaries'
-- definition). A writer session whose code has the recorded digest skips the DDL: views, comments
-- and vocabulary are already as this code would make them.
create table if not exists meta_schema (
    digest      varchar not null,
    applied_at  timestamp not null
);
