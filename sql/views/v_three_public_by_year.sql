-- "三公" per department and year, budget beside final account, one row per item: the question
-- "how much did each department plan and spend on 三公 in a year". Built on v_three_public (concepts).
-- Departments match by region and name with the (本级) scope mark removed, as in v_budget_vs_final.
-- The budget figure comes, in this order, from: the budget document of that year (source 'budget'),
-- the next year's budget's previous-year block ('next_budget_prior_year'), or the 预算数 column a
-- final account prints beside its 决算数 ('final_account_budget_column').
--   item: total | outbound_travel | vehicle_total | vehicle_purchase | vehicle_operation |
--         reception_total | meeting_fee | training_fee | agency_operating_cost
create or replace view v_three_public_by_year as
with docs as (
    select document_id, regexp_replace(department, '[（(]本级[)）]', '') as department_key
    from dim_document
    where is_current and status <> 'template' and department is not null and fiscal_year is not null
),
figures as (
    unpivot (
        select t.province, t.city, t.county, d.department_key as department, t.document_id, t.doc_kind,
               t.basis, t.fiscal_year as document_year, t.figure_year,
               t.three_public_total as total, t.outbound_travel, t.vehicle_total, t.vehicle_purchase,
               t.vehicle_operation, t.reception_total, t.meeting_fee, t.training_fee, t.agency_operating_cost
        from v_three_public as t join docs as d using (document_id)
    ) on total, outbound_travel, vehicle_total, vehicle_purchase, vehicle_operation, reception_total,
       meeting_fee, training_fee, agency_operating_cost
    into name item value amount
),
sourced as (
    select *,
        case
            when basis = 'final' then 'final_account'
            when doc_kind = 'budget' and document_year = figure_year then 'budget'
            when doc_kind = 'budget' then 'next_budget_prior_year'
            else 'final_account_budget_column'
        end as source
    from figures
    where basis in ('budget', 'final')
),
budget as (
    select * from sourced where basis = 'budget'
    qualify row_number() over (
        partition by province, city, county, department, figure_year, item
        order by list_position(['budget', 'next_budget_prior_year', 'final_account_budget_column'], source),
                 document_year, document_id) = 1
),
final as (
    select * from sourced where basis = 'final'
    qualify row_number() over (
        partition by province, city, county, department, figure_year, item order by document_year, document_id
    ) = 1
)
select
    coalesce(b.province, f.province) as province,
    coalesce(b.city, f.city) as city,
    coalesce(b.county, f.county) as county,
    coalesce(b.department, f.department) as department,
    coalesce(b.figure_year, f.figure_year) as fiscal_year,
    coalesce(b.item, f.item) as item,
    b.amount as budget,
    f.amount as final,
    f.amount - b.amount as difference,
    case when b.amount <> 0 then round(f.amount * 100 / b.amount, 2)::decimal(9, 2) end as execution_pct,
    b.source as budget_source,
    b.document_id as budget_document_id,
    f.document_id as final_document_id
from budget as b
full outer join final as f
    on f.department = b.department and f.figure_year = b.figure_year and f.item = b.item
    and f.province is not distinct from b.province and f.city is not distinct from b.city
    and f.county is not distinct from b.county;
