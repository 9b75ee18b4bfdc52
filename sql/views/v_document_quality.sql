-- Every document version with its latest validation run (the report reads this for any version).
create or replace view v_document_validation as
with latest as (
    select * from dq_run
    qualify row_number() over (partition by document_id order by started_at desc, run_id desc) = 1
)
select
    d.document_id, d.source_path, d.doc_kind, d.fiscal_year, d.department, d.is_current,
    d.status as load_status,
    l.run_id, l.started_at as validated_at,
    coalesce(l.rules_run, 0) as rules_run,
    coalesce(l.checks, 0) as checks,
    coalesce(l.failed_errors, 0) as failed_errors,
    coalesce(l.failed_warnings, 0) as failed_warnings,
    -- what happened, most decisive first: a document that did not load or is no budget is never clean
    case
        when d.status = 'failed' then 'failed'
        when d.status = 'template' then 'template'
        -- no standard table: not a budget or final account (uncatalogued tables may still be kept)
        when d.tables_found = 0 or starts_with(coalesce(d.error, ''), 'no standard table recognised')
            then 'not_recognised'
        when l.run_id is null then 'not_validated'
        when l.failed_errors > 0 then 'errors'
        when l.failed_warnings > 0 then 'warnings'
        when d.status = 'partial' then 'partial'
        else 'clean'
    end as status
from dim_document as d
left join latest as l using (document_id);

-- Per current document: the latest validation run's rules, checks and failures, and a status to sort by.
create or replace view v_document_quality as
select * from v_document_validation where is_current;

-- Each current document's findings: the failing checks of its latest validation run, nothing older.
create or replace view v_current_findings as
select
    q.document_id, q.source_path, q.doc_kind, q.fiscal_year, q.department, q.run_id, q.validated_at,
    r.rule_id, k.family, r.severity, k.description, k.description_zh,
    r.table_code, r.row_key, r.measure, r.row_no, r.expected, r.actual, r.difference, r.tolerance,
    r.unit, r.page, r.line_no, r.note
from v_document_quality as q
join dq_result as r on r.run_id = q.run_id and r.document_id = q.document_id
left join dq_rule as k on k.rule_id = r.rule_id
where not r.passed and q.load_status <> 'template';

-- Failures by rule over the current documents' latest validation runs (the report index's table):
-- summed from dq_rule_count, a few rows per run, rather than from every check in dq_result.
create or replace view v_rule_quality as
with counted as (
    select c.rule_id, min(c.severity) as severity, count(*) as documents,
           count(*) filter (where c.failures > 0) as documents_failing,
           sum(c.checks)::bigint as checks, sum(c.failures)::bigint as failures
    from v_document_quality as q
    join dq_rule_count as c on c.run_id = q.run_id and c.document_id = q.document_id
    where q.load_status not in ('failed', 'template')
    group by c.rule_id
)
select c.rule_id, coalesce(k.severity, c.severity) as severity,
       coalesce(k.description, '') as description, coalesce(k.description_zh, '') as description_zh,
       c.documents, c.documents_failing, c.checks, c.failures
from counted as c
left join dq_rule as k on k.rule_id = c.rule_id;
