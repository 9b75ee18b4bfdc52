-- "三公"经费, meeting and training fees and 机关运行经费 per document, basis and year, budgets and final
-- accounts alike, from whichever layout the document used: the 机构运行信息决算表 lines, the
-- 财政拨款"三公"经费支出决算表 columns (预算数 and 决算数), or the budget's "三公"经费支出表 (this
-- year's block, the previous year's block, and a block spent from last year's carry-over).
-- Joined on concepts (dim_concept), never on a table's own measure names.
--   basis: budget | final | carryover (budget spent from the previous year's carry-over)
--   figure_year: the year the figures are for (a budget's previous-year block: fiscal_year - 1)
create or replace view v_three_public as
with parts as (
    select
        f.document_id,
        case m.basis
            when 'current' then case when d.doc_kind = 'budget' then 'budget' else 'final' end
            when 'prior_year' then 'budget'
            else m.basis
        end as basis,
        d.fiscal_year - case when m.basis = 'prior_year' then 1 else 0 end as figure_year,
        f.concept, f.amount
    from fact_line_item as f
    join dim_measure as m using (measure)
    join dim_document as d using (document_id)
    where f.concept in (
        'three_public_total', 'three_public_outbound_travel', 'three_public_vehicle_total',
        'three_public_vehicle_purchase', 'three_public_vehicle_operation', 'three_public_reception',
        'meeting_fee', 'training_fee', 'agency_operating_cost'
    )
      and f.func_code is null and f.econ_code is null and f.spending_unit is null
      -- the table that prints the document's 三公 total (机关运行经费 has a budget table of its own too)
      and exists (select 1 from fact_line_item as t where t.document_id = f.document_id
                  and t.table_code = f.table_code and t.concept = 'three_public_total')
    -- the first line of each figure: the document's total, before any per-unit lines
    qualify row_number() over (
        partition by f.document_id, f.table_code, f.measure, f.line_key order by f.row_no) = 1
)
select
    d.document_id, d.doc_kind, d.fiscal_year, d.province, d.city, d.county, d.department, p.basis,
    sum(amount) filter (where concept = 'three_public_total') as three_public_total,
    sum(amount) filter (where concept = 'three_public_outbound_travel') as outbound_travel,
    sum(amount) filter (where concept = 'three_public_vehicle_total') as vehicle_total,
    sum(amount) filter (where concept = 'three_public_vehicle_purchase') as vehicle_purchase,
    sum(amount) filter (where concept = 'three_public_vehicle_operation') as vehicle_operation,
    sum(amount) filter (where concept = 'three_public_reception') as reception_total,
    sum(amount) filter (where concept = 'agency_operating_cost') as agency_operating_cost,
    p.figure_year,
    sum(amount) filter (where concept = 'meeting_fee') as meeting_fee,
    sum(amount) filter (where concept = 'training_fee') as training_fee
from parts as p
join dim_document as d using (document_id)
where d.status <> 'template'
group by all;
