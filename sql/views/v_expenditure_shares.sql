-- Personnel / public operating / project shares per current document, budgets and final accounts
-- alike, from the total (合计) lines of the document's tables, picked by concept:
--   spending_table: the widest table printing expenditure_total / basic / project (支出决算表 D03,
--     部门支出总表 B08, 财政拨款支出表 B14, then 一般公共预算支出表 B02);
--   split_table: the table splitting basic expenditure into personnel and public operating (基本支出
--     决算明细表 D06, 一般公共预算基本支出表 B03, 财政拨款基本支出表 B15 …), often of the general
--     public budget only. Its shares of the spending total are given only where its two parts add
--     up to the spending table's basic expenditure (split_covers_basic), i.e. where the scopes agree.
create or replace view v_expenditure_shares as
with totals as (  -- the first line without any code of each table and column: the table's 合计
    select f.document_id, f.table_code, f.concept, f.amount
    from fact_line_item as f
    join dim_measure as m on m.measure = f.measure and m.basis = 'current'
    where f.func_code is null and f.econ_code is null and f.line_key is null and f.spending_unit is null
      and f.concept in ('expenditure_total', 'basic_expenditure', 'project_expenditure',
                        'personnel_expenditure', 'public_operating_expenditure')
    qualify row_number() over (partition by f.document_id, f.table_code, f.measure order by f.row_no) = 1
),
per_table as (
    select document_id, table_code,
        max(amount) filter (where concept = 'expenditure_total') as expenditure_total,
        max(amount) filter (where concept = 'basic_expenditure') as basic_expenditure,
        max(amount) filter (where concept = 'project_expenditure') as project_expenditure,
        max(amount) filter (where concept = 'personnel_expenditure') as personnel_expenditure,
        max(amount) filter (where concept = 'public_operating_expenditure') as public_operating_expenditure
    from totals group by all
),
spending as (
    select * from per_table
    where expenditure_total is not null and basic_expenditure is not null and project_expenditure is not null
    qualify row_number() over (
        partition by document_id
        order by coalesce(list_position(['D03', 'B08', 'B14', 'B02'], table_code), 99), table_code) = 1
),
split as (
    select * from per_table
    where personnel_expenditure is not null and public_operating_expenditure is not null
    qualify row_number() over (
        partition by document_id
        order by coalesce(list_position(['D06', 'B03', 'B15', 'B19', 'B17'], table_code), 99), table_code) = 1
)
select
    d.document_id, d.doc_kind, d.fiscal_year, d.province, d.city, d.county, d.department,
    s.table_code as spending_table,
    s.expenditure_total, s.basic_expenditure, s.project_expenditure,
    round(s.basic_expenditure * 100 / nullif(s.expenditure_total, 0), 2)::decimal(9, 2) as basic_pct,
    round(s.project_expenditure * 100 / nullif(s.expenditure_total, 0), 2)::decimal(9, 2) as project_pct,
    p.table_code as split_table,
    p.personnel_expenditure, p.public_operating_expenditure,
    round(p.personnel_expenditure * 100
          / nullif(p.personnel_expenditure + p.public_operating_expenditure, 0), 2)::decimal(9, 2)
        as personnel_pct_of_basic,
    round(p.public_operating_expenditure * 100
          / nullif(p.personnel_expenditure + p.public_operating_expenditure, 0), 2)::decimal(9, 2)
        as public_operating_pct_of_basic,
    p.personnel_expenditure + p.public_operating_expenditure = s.basic_expenditure as split_covers_basic,
    case when p.personnel_expenditure + p.public_operating_expenditure = s.basic_expenditure
        then round(p.personnel_expenditure * 100 / nullif(s.expenditure_total, 0), 2)::decimal(9, 2) end
        as personnel_pct,
    case when p.personnel_expenditure + p.public_operating_expenditure = s.basic_expenditure
        then round(p.public_operating_expenditure * 100 / nullif(s.expenditure_total, 0), 2)::decimal(9, 2)
        end
        as public_operating_pct
from dim_document as d
left join spending as s using (document_id)
left join split as p using (document_id)
where d.is_current and d.status <> 'template' and (s.document_id is not null or p.document_id is not null);
