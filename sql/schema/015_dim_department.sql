-- Departments across years and kinds (pipelines/load/departments.py). A canonical department per
-- region and normalised name; every printed name is an alias; a 单位 (unit) may have a parent 部门.
-- Matching never merges silently: a near match opens a row in dq_department_match for review.
-- COMMENT ON (for the lead to port):
--   dim_department: 'Canonical department (部门) or unit (单位) per region; documents link to it'
--   department_id: 'Stable id: hash of region, normalised name and level (部门编码)'
--   province/city/county: 'Region as printed (省/市/区县)'
--   canonical_name: 'The longest printed full name seen (部门全称)'
--   norm_name: 'Match key: name without region, year, 预算/决算 words, scope marks, punctuation (规范化名称)'
--   level: '部门 (consolidated department) or 单位 (budget unit) (层级)'
--   parent_department_id: 'The 部门 a 单位 belongs to (上级部门), NULL when unknown'
--   parent_source: 'Why the parent is known: the 部门 document listing the unit, or review (上级依据)'
create table if not exists dim_department (
    department_id         varchar primary key,
    province              varchar,
    city                  varchar,
    county                varchar,
    canonical_name        varchar not null,
    norm_name             varchar not null,
    level                 varchar not null,    -- 部门 | 单位
    parent_department_id  varchar,
    parent_source         varchar,
    created_by_document   varchar               -- the document that first named it (首次出现文档)
);

-- Every name a department was printed under, with the scope mark and the document.
--   dim_department_alias: 'Printed names of a department (部门名称别名)'
--   alias: 'The department name as printed (印刷名称)'; scope: '本级/汇总/部门/单位 as printed (口径)'
create table if not exists dim_department_alias (
    department_id  varchar not null,
    alias          varchar not null,
    scope          varchar,
    document_id    varchar not null,
    primary key (department_id, alias, document_id)
);

-- Ambiguous matches for a reviewer: a name close to (but not equal to) an existing department's, a
-- unit whose parent several 部门 could be, a unit whose parent no loaded document names.
--   dq_department_match: 'Department matches awaiting review (部门匹配待审)'
--   relation: 'same_department | parent | no_parent (关系)'; similarity: 'Jaro-Winkler of the norm names (相似度)'
--   status: 'open | accepted | rejected (审核状态)'; decided_at: 'When a reviewer decided (审核时间)'
create table if not exists dq_department_match (
    document_id               varchar not null,
    department_id             varchar not null,   -- the department the document was linked to
    printed_name              varchar not null,
    relation                  varchar not null,   -- same_department | parent | no_parent
    candidate_department_id   varchar,
    candidate_name            varchar,
    similarity                double,
    reason                    varchar not null,
    status                    varchar not null,   -- open | accepted | rejected
    decided_at                timestamp
);

-- dim_document.department_id: 'The canonical department of the document (所属部门)'
alter table dim_document add column if not exists department_id varchar;
