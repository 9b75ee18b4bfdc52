-- Personnel / public operating / project shares per current document, budgets and final accounts
-- alike, from the total (合计) lines of the document's tables, picked by concept:
--   spending_table: the widest table printing expenditure_total / basic / project (支出决算表 D03,
--     部门支出总表 B08, 财政拨款支出表 B14, then 一般公共预算支出表 B02);
--   split_table: the table splitting basic expenditure into personnel and public operating (基本支出
--     决算明细表 D06, 一般公共预算基本支出表 B03, 财政拨款基本支出表 B15 …), often of the general
--     public budget only. Its shares of the spending total are given only where its two parts add
--     up to the spending table's basic expenditure (split_covers_basic), i.e. where the scopes agree.
-- Read from agg_document_total (the tables' 合计 lines, kept at load), documents first; every window and
-- group carries the document's columns, so a filter on the department or year reaches dim_document.
create or replace view v_expenditure_shares as
with lines as (  -- the code-less lines kept at load; total_line: a table's 合计 line of a current column
    select *, line_key is null and basis = 'current' as total_line from agg_document_total
),
per_table as (  -- the 合计 line of each table and concept (first code-less line)
    select d.document_id, d.doc_kind, d.fiscal_year, d.province, d.city, d.county, d.department,
        d.department_id, dep.canonical_name as canonical_department, a.table_code,
        max(a.amount) filter (where a.concept = 'expenditure_total' and a.total_line) as expenditure_total,
        max(a.amount) filter (where a.concept = 'basic_expenditure' and a.total_line) as basic_expenditure,
        max(a.amount) filter (where a.concept = 'project_expenditure' and a.total_line)
            as project_expenditure,
        max(a.amount) filter (where a.concept = 'personnel_expenditure' and a.total_line)
            as personnel_expenditure,
        max(a.amount) filter (where a.concept = 'public_operating_expenditure' and a.total_line)
            as public_operating_expenditure
    from dim_document as d
    -- the filters on the lines stay in the aggregates: a filter on the department then reaches the
    -- summary through its document index instead of a scan of every document's lines
    join lines as a using (document_id)
    left join dim_department as dep on dep.department_id = d.department_id
    where d.is_current and d.status <> 'template'
    group by d.document_id, d.doc_kind, d.fiscal_year, d.province, d.city, d.county, d.department,
        d.department_id, dep.canonical_name, a.table_code
),
ranked as (  -- the spending table and the split table of each document, in order of preference
    select *,
        case when expenditure_total is not null and basic_expenditure is not null
                  and project_expenditure is not null
            then coalesce(list_position(['D03', 'B08', 'B14', 'B02'], table_code), 99) end as spending_pref,
        case when personnel_expenditure is not null and public_operating_expenditure is not null
            then coalesce(list_position(['D06', 'B03', 'B15', 'B19', 'B17'], table_code), 99)
        end as split_pref
    from per_table
),
doc as (
    select document_id, doc_kind, fiscal_year, province, city, county, department, department_id,
        canonical_department,
        arg_min(table_code, (spending_pref, table_code)) filter (where spending_pref is not null)
            as spending_table,
        arg_min(expenditure_total, (spending_pref, table_code)) filter (where spending_pref is not null)
            as expenditure_total,
        arg_min(basic_expenditure, (spending_pref, table_code)) filter (where spending_pref is not null)
            as basic_expenditure,
        arg_min(project_expenditure, (spending_pref, table_code)) filter (where spending_pref is not null)
            as project_expenditure,
        arg_min(table_code, (split_pref, table_code)) filter (where split_pref is not null) as split_table,
        arg_min(personnel_expenditure, (split_pref, table_code)) filter (where split_pref is not null)
            as personnel_expenditure,
        arg_min(public_operating_expenditure, (split_pref, table_code)) filter (where split_pref is not null)
            as public_operating_expenditure
    from ranked
    where spending_pref is not null or split_pref is not null
    group by document_id, doc_kind, fiscal_year, province, city, county, department, department_id,
        canonical_department
)
select
    document_id, doc_kind, fiscal_year, province, city, county, department,
    spending_table,
    expenditure_total, basic_expenditure, project_expenditure,
    round(basic_expenditure * 100 / nullif(expenditure_total, 0), 2)::decimal(9, 2) as basic_pct,
    round(project_expenditure * 100 / nullif(expenditure_total, 0), 2)::decimal(9, 2) as project_pct,
    split_table,
    personnel_expenditure, public_operating_expenditure,
    round(personnel_expenditure * 100
          / nullif(personnel_expenditure + public_operating_expenditure, 0), 2)::decimal(9, 2)
        as personnel_pct_of_basic,
    round(public_operating_expenditure * 100
          / nullif(personnel_expenditure + public_operating_expenditure, 0), 2)::decimal(9, 2)
        as public_operating_pct_of_basic,
    personnel_expenditure + public_operating_expenditure = basic_expenditure as split_covers_basic,
    case when personnel_expenditure + public_operating_expenditure = basic_expenditure
        then round(personnel_expenditure * 100 / nullif(expenditure_total, 0), 2)::decimal(9, 2)
    end as personnel_pct,
    case when personnel_expenditure + public_operating_expenditure = basic_expenditure
        then round(public_operating_expenditure * 100 / nullif(expenditure_total, 0), 2)::decimal(9, 2) end
        as public_operating_pct,
    department_id, canonical_department
from doc;
