-- "三公" per department and year, budget beside final account, one row per item: the questions "how
-- much did each department plan and spend on 三公 in a year" and "the execution rate by 三公 item".
-- Built on v_three_public (concepts); departments are canonical (dim_department, department_id), so a
-- 本级 budget and a 部门 final account, or names printed with and without the region, meet.
-- The budget figure comes, in this order, from: the budget document of that year (source 'budget'),
-- the next year's budget's previous-year block ('next_budget_prior_year'), or the 预算数 column a
-- final account prints beside its 决算数 ('final_account_budget_column').
--   item: total | outbound_travel | vehicle_total | vehicle_purchase | vehicle_operation |
--         reception_total | meeting_fee | training_fee | agency_operating_cost
-- v_department_three_public: one figure per canonical department, year, basis (budget | final) and
-- item, the document it was read from picked as above; v_three_public_by_year sets its two bases
-- side by side. Both group by the department's columns (no window, no full outer join), so a filter
-- on the department reaches the documents before anything is summed.
create or replace view v_department_three_public as
with figures as (
    unpivot (
        select t.province, t.city, t.county, t.canonical_department as department, t.department_id,
               t.document_id, t.table_codes, t.doc_kind, t.basis, t.fiscal_year as document_year,
               t.figure_year,
               t.three_public_total as total, t.outbound_travel, t.vehicle_total, t.vehicle_purchase,
               t.vehicle_operation, t.reception_total, t.meeting_fee, t.training_fee, t.agency_operating_cost
        from v_three_public as t
        join dim_document as d using (document_id)
        where d.is_current and t.basis in ('budget', 'final') and t.fiscal_year is not null
          and t.department_id is not null
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
),
picked as (  -- one figure per department, year, item and basis: the first source in order of preference
    select department_id, department, province, city, county, figure_year as fiscal_year, basis, item,
        arg_min(amount, (pref, document_year, document_id)) as amount,
        arg_min(table_codes, (pref, document_year, document_id)) as table_code,
        arg_min(document_id, (pref, document_year, document_id)) as document_id,
        arg_min(source, (pref, document_year, document_id)) as source
    from (
        select *, list_position(['final_account', 'budget', 'next_budget_prior_year',
                                 'final_account_budget_column'], source) as pref
        from sourced
    ) as s
    group by department_id, department, province, city, county, figure_year, basis, item
)
select department_id, department, province, city, county, fiscal_year, basis, item, amount, table_code,
    document_id, source
from picked;

create or replace view v_three_public_by_year as
with paired as (
    select province, city, county, department, fiscal_year, item, department_id,
        max(amount) filter (where basis = 'budget') as budget,
        max(amount) filter (where basis = 'final') as final,
        max(source) filter (where basis = 'budget') as budget_source,
        max(document_id) filter (where basis = 'budget') as budget_document_id,
        max(document_id) filter (where basis = 'final') as final_document_id
    from v_department_three_public
    group by province, city, county, department, fiscal_year, item, department_id
)
select
    province, city, county, department, fiscal_year, item, budget, final,
    final - budget as difference,
    case when budget <> 0 then round(final * 100 / budget, 2)::decimal(9, 2) end as execution_pct,
    budget_source, budget_document_id, final_document_id, department_id
from paired;
