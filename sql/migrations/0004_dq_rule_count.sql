-- Migration 0004: each validation run's checks and failures per rule, written with the run's dq_result
-- rows (pipelines/validate/store.py) and pruned with them (pipelines/retention.py), so "failures by
-- rule" over the current documents (the report's index, v_rule_quality) sums a few rows per document
-- instead of reading every check. The runs a warehouse already holds are counted from dq_result here.
create table if not exists dq_rule_count (
    run_id       varchar not null,
    document_id  varchar not null,
    rule_id      varchar not null,
    severity     varchar not null,   -- the checks' severity: 'error' when any check of the rule is one
    checks       integer not null,
    failures     integer not null,
    primary key (run_id, document_id, rule_id)
);

insert into dq_rule_count (run_id, document_id, rule_id, severity, checks, failures)
select
    run_id, document_id, rule_id, min(severity) as severity, count(*) as checks,
    count(*) filter (where not passed) as failures
from dq_result as r
where not exists (
    select 1 from dq_rule_count as c where c.run_id = r.run_id and c.document_id = r.document_id
)
group by run_id, document_id, rule_id;
