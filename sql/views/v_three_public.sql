-- "三公"经费, meeting and training fees and 机关运行经费 per document, basis and year, budgets and final
-- accounts alike, from whichever layout the document used: the 机构运行信息决算表 lines, the
-- 财政拨款"三公"经费支出决算表 columns (预算数 and 决算数), or the budget's "三公"经费支出表 (this
-- year's block, the previous year's block, and a block spent from last year's carry-over).
-- Joined on concepts (dim_concept), never on a table's own measure names; read from agg_document_total
-- (the documents' code-less total lines, kept at load), documents first.
--   basis: budget | final | carryover (budget spent from the previous year's carry-over)
--   figure_year: the year the figures are for (a budget's previous-year block: fiscal_year - 1)
-- Read from agg_document_three_public (the document's 三公 lines summed at load): a few rows per document.
create or replace view v_three_public as
with parts as (
    select
        d.document_id, d.doc_kind, d.fiscal_year, d.province, d.city, d.county, d.department, d.department_id,
        case t.basis
            when 'current' then case when d.doc_kind = 'budget' then 'budget' else 'final' end
            when 'prior_year' then 'budget'
            else t.basis
        end as basis,
        d.fiscal_year - case when t.basis = 'prior_year' then 1 else 0 end as figure_year,
        dep.canonical_name as canonical_department,
        t.* exclude (document_id, basis)
    from dim_document as d
    join agg_document_three_public as t using (document_id)
    left join dim_department as dep using (department_id)
    where d.status <> 'template'
)
select
    document_id, doc_kind, fiscal_year, province, city, county, department, basis,
    sum(three_public_total) as three_public_total,
    sum(outbound_travel) as outbound_travel,
    sum(vehicle_total) as vehicle_total,
    sum(vehicle_purchase) as vehicle_purchase,
    sum(vehicle_operation) as vehicle_operation,
    sum(reception_total) as reception_total,
    sum(agency_operating_cost) as agency_operating_cost,
    figure_year,
    sum(meeting_fee) as meeting_fee,
    sum(training_fee) as training_fee,
    department_id,
    string_agg(distinct table_codes, ',' order by table_codes) as table_codes,
    canonical_department
from parts
group by document_id, doc_kind, fiscal_year, province, city, county, department, department_id,
    canonical_department, basis, figure_year;
