-- 支出经济分类 codes (301, 30101 …), extended like dim_function_code.
create table if not exists dim_econ_code (
    code         varchar primary key,
    level        varchar not null,      -- 类 | 款
    name         varchar not null,
    parent_code  varchar,
    source       varchar not null default 'standard'
);
