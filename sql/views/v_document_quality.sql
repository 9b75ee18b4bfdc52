-- Per document: the latest validation run's rules, checks and failures, and a status to sort by.
create or replace view v_document_quality as
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
    case
        when l.run_id is null then 'not_validated'
        when l.failed_errors > 0 then 'errors'
        when l.failed_warnings > 0 then 'warnings'
        else 'clean'
    end as status
from dim_document as d
left join latest as l using (document_id);
