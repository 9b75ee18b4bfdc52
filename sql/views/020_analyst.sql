-- Views for the analyst questions of issue 11 (docs/sql-examples.md), budgets and final accounts alike.
-- Written on measure codes; concept names (vocabulary.yaml) in the comments.

-- v_department_three_public: "三公"经费 and 机关运行经费 per canonical department, year, basis and item.
-- Budgets: the 三公 预算表 (B04; its 上年 columns are year − 1). Final accounts: D09 (the 机构运行信息
-- lines are final figures; a 三公 决算表 prints 预算数 and 决算数 columns, both kept).
-- COMMENT ON: '三公经费 and 机关运行经费 by department, year, basis and item (三公经费分年度)'
--   item: 'total | outbound_travel | vehicle_total | vehicle_purchase | vehicle_operation | reception_total | agency_operating_cost (项目)'
create or replace view v_department_three_public as
with items as (select unnest(['total', 'outbound_travel', 'vehicle_total', 'vehicle_purchase',
                              'vehicle_operation', 'reception_total', 'agency_operating_cost']) as item
),
parts as (
    select document_id, department_id, fact_year as fiscal_year, basis, base_measure as item, amount,
        table_code
    from v_line_item_by_year
    where table_code = 'B04' and base_measure in (select item from items)
    union all
    select document_id, department_id, fact_year, 'final' as basis,
        case line_key when 'three_public_total' then 'total' else line_key end as item, amount, table_code
    from v_line_item_by_year
    where table_code = 'D09' and measure = 'final_amount'
      and case line_key when 'three_public_total' then 'total' else line_key end in (select item from items)
    union all
    select document_id, department_id, fact_year, basis, substr(measure, strpos(measure, '_') + 1) as item,
        amount, table_code
    from v_line_item_by_year
    where table_code = 'D09' and (starts_with(measure, 'budget_') or starts_with(measure, 'final_'))
      and measure <> 'final_amount' and substr(measure, strpos(measure, '_') + 1) in (select item from items)
)
select p.department_id, dep.canonical_name as department, dep.province, dep.city, dep.county,
    p.fiscal_year, p.basis, p.item, sum(p.amount) as amount, any_value(p.table_code) as table_code,
    any_value(p.document_id) as document_id
from parts as p join dim_department as dep using (department_id)
group by all;

-- v_three_public_budget_vs_final: each 三公 item's budget and final figure of a department and year and
-- the execution rate. A current budget of the year wins over a later budget's 上年 column.
-- COMMENT ON: 'Budget vs final of each 三公 item, with execution rate (三公经费预决算对比)'
create or replace view v_three_public_budget_vs_final as
with ranked as (
    select t.*, row_number() over (
        partition by t.department_id, t.fiscal_year, t.basis, t.item
        order by (d.fiscal_year = t.fiscal_year) desc, d.doc_kind = 'final_account' desc, t.document_id
    ) as pick
    from v_department_three_public as t join dim_document as d on d.document_id = t.document_id
),
one as (select * from ranked where pick = 1),
budget as (select * from one where basis = 'budget'),
final as (select * from one where basis = 'final')
select coalesce(b.department_id, f.department_id) as department_id,
    coalesce(b.department, f.department) as department,
    coalesce(b.fiscal_year, f.fiscal_year) as fiscal_year,
    coalesce(b.item, f.item) as item,
    b.amount as budget, f.amount as final,
    f.amount - b.amount as difference,
    case when b.amount <> 0 then round(f.amount * 100 / b.amount, 2)::decimal(9, 2) end as execution_pct,
    b.document_id as budget_document_id, f.document_id as final_document_id
from budget as b
full outer join final as f
    on f.department_id = b.department_id and f.fiscal_year = b.fiscal_year and f.item = b.item;

-- v_spending_shares: per current document, the total, basic, project, personnel and public operating
-- expenditure (concepts expenditure_total, basic_expenditure, project_expenditure,
-- personnel_expenditure, public_operating_expenditure) from the tables' 合计 rows, and the shares in %.
-- Budgets: B08 (else B02) for total/basic/project, B03 基本支出 (一般公共预算) for personnel/public;
-- final accounts: D03 and D06. Personnel + public = basic of the table they come from.
-- COMMENT ON: 'Personnel / public operating / project shares per document (人员、公用、项目占比)'
create or replace view v_spending_shares as
with totals as (
    select document_id, table_code, measure, amount
    from fact_line_item
    where func_code is null and econ_code is null
      and regexp_replace(coalesce(line_label, ''), '\s', '', 'g') in ('合计', '总计', '人员经费合计', '公用经费合计', '')
      and table_code in ('B02', 'B03', 'B08', 'D03', 'D06')
),
src as (
    select document_id, case when bool_or(table_code = 'B08') then 'B08' else 'B02' end as budget_table
    from totals where table_code in ('B02', 'B08') group by document_id
),
doc as (
    select t.document_id,
        max(amount) filter (where (t.table_code = s.budget_table and measure = 'total')
                            or (t.table_code = 'D03' and measure = 'total_expenditure')) as total,
        max(amount) filter (where (t.table_code = s.budget_table and measure = 'basic')
                            or (t.table_code = 'D03' and measure = 'basic_expenditure')) as basic,
        max(amount) filter (where (t.table_code = s.budget_table and measure = 'project')
                            or (t.table_code = 'D03' and measure = 'project_expenditure')) as project,
        max(amount) filter (where (t.table_code = 'B03' and measure = 'personnel')
                            or (t.table_code = 'D06' and measure = 'personnel_total')) as personnel,
        max(amount) filter (where (t.table_code = 'B03' and measure = 'public_operating')
                            or (t.table_code = 'D06' and measure = 'public_operating_total'))
            as public_operating
    from totals as t left join src as s using (document_id)
    group by t.document_id
)
select d.document_id, d.department_id, dep.canonical_name as department, d.doc_kind, d.fiscal_year,
    x.total, x.basic, x.project, x.personnel, x.public_operating,
    round(x.personnel * 100 / nullif(x.personnel + x.public_operating, 0), 2)::decimal(9, 2)
        as personnel_share_of_basic_pct,
    round(x.public_operating * 100 / nullif(x.personnel + x.public_operating, 0), 2)::decimal(9, 2)
        as public_share_of_basic_pct,
    round(x.basic * 100 / nullif(x.total, 0), 2)::decimal(9, 2) as basic_share_pct,
    round(x.project * 100 / nullif(x.total, 0), 2)::decimal(9, 2) as project_share_pct
from doc as x
join dim_document as d using (document_id)
left join dim_department as dep using (department_id)
where d.is_current and d.status <> 'template';

-- v_project_ranking: the projects of every current document's 项目支出表, largest first within the document.
-- COMMENT ON: 'Projects by amount within each document (项目支出排名)'; rank_in_document: '排名'
create or replace view v_project_ranking as
select d.department_id, dep.canonical_name as department, d.doc_kind, d.fiscal_year, p.project_name,
    p.project_code, p.budget_unit, p.func_code, p.total,
    rank() over (partition by p.document_id order by p.total desc nulls last) as rank_in_document,
    p.document_id, p.table_title, p.page
from fact_project as p
join dim_document as d using (document_id)
left join dim_department as dep using (department_id)
where d.is_current and d.status <> 'template' and not coalesce(p.is_group, false);
