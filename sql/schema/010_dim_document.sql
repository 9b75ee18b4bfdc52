-- One row per ingested source file version; document_id comes from the content hash.
create table if not exists dim_document (
    document_id    varchar primary key,
    source_path    varchar not null,
    source_sha256  varchar not null,
    file_format    varchar not null,
    doc_kind       varchar,             -- budget | final_account | performance
    fiscal_year    integer,
    province       varchar,
    city           varchar,
    county         varchar,
    department     varchar,
    scope          varchar,             -- 本级 when the title says so
    title          varchar,
    page_count     integer,
    status         varchar not null,    -- ok | partial | failed | template (a blank disclosure form)
    error          varchar,
    warnings       varchar,
    version_key    varchar not null,    -- region|department|year|kind, or the path when those are unknown
    is_current     boolean not null,
    tables_found   integer not null,
    facts_loaded   integer not null,
    ingested_at    timestamp not null
);
