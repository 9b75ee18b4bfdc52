-- One row per ingested source file version; document_id comes from the content hash.
create table if not exists dim_document (
    document_id    varchar primary key,
    source_path    varchar not null,
    source_sha256  varchar not null,
    file_format    varchar not null,
    doc_kind       varchar,             -- budget | final_account | performance | other
    fiscal_year    integer,
    province       varchar,
    city           varchar,
    county         varchar,
    department     varchar,
    scope          varchar,             -- 本级 | 汇总 (as printed) | 部门 | 单位 (部门预算 vs 单位预算)
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

-- Read from the document's text (extract/metadata.py); added after the first release, so an older
-- warehouse gets them here. admin_level: 中央 | 省级 | 市级 | 县级. meta_note: why a metadata field is
-- NULL ("fiscal_year: no year in the title or the part headings; …").
alter table dim_document add column if not exists admin_level varchar;
alter table dim_document add column if not exists meta_note varchar;
-- pages read by OCR (no usable text layer) and the engine that read them (extract/ocr.py)
alter table dim_document add column if not exists ocr_pages integer;
alter table dim_document add column if not exists ocr_engine varchar;
