-- Every time a file version was delivered and loaded or made current again: the most recent
-- delivery of a (region, department, year, kind) is its current version, so a revert wins.
create table if not exists doc_delivery (
    document_id    varchar not null,
    source_path    varchar not null,
    delivered_at   timestamp not null,
    outcome        varchar not null     -- loaded | current_again
);
