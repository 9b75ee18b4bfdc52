-- "三公"经费 and 机关运行经费 per document and basis (budget / final), from whichever layout the
-- document used: the 机构运行信息决算表 lines or the 财政拨款"三公"经费支出决算表 columns.
create or replace view v_three_public as
with parts as (
    select document_id, 'final' as basis,
        case line_key when 'three_public_total' then 'total' else line_key end as metric, amount
    from fact_line_item
    where table_code = 'D09' and measure = 'final_amount' and line_key is not null
    union all
    select document_id, split_part(measure, '_', 1) as basis,
        substr(measure, strpos(measure, '_') + 1) as metric, amount
    from fact_line_item
    where table_code = 'D09' and measure <> 'final_amount'
        and (starts_with(measure, 'budget_') or starts_with(measure, 'final_'))
)
select
    d.document_id, d.doc_kind, d.fiscal_year, d.province, d.city, d.county, d.department, p.basis,
    sum(amount) filter (where metric = 'total') as three_public_total,
    sum(amount) filter (where metric = 'outbound_travel') as outbound_travel,
    sum(amount) filter (where metric = 'vehicle_total') as vehicle_total,
    sum(amount) filter (where metric = 'vehicle_purchase') as vehicle_purchase,
    sum(amount) filter (where metric = 'vehicle_operation') as vehicle_operation,
    sum(amount) filter (where metric = 'reception_total') as reception_total,
    sum(amount) filter (where metric = 'agency_operating_cost') as agency_operating_cost
from parts as p
join dim_document as d using (document_id)
where d.status <> 'template'
group by all;
