-- 支出功能分类 codes: the standard list, extended with codes documents print (source = 'document').
create table if not exists dim_function_code (
    code         varchar primary key,
    level        varchar not null,      -- 类 | 款 | 项
    name         varchar not null,
    parent_code  varchar,
    source       varchar not null default 'standard'
);
