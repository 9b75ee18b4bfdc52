-- Superseded views, kept under their names (docs/contract.md lists them) as thin aliases of the one
-- view per question; new queries should use the view each one names.

-- v_three_public_budget_vs_final: v_three_public_by_year (三公 per department and year, budget vs final).
create or replace view v_three_public_budget_vs_final as
select department_id, department, fiscal_year, item, budget, final, difference, execution_pct,
    budget_document_id, final_document_id
from v_three_public_by_year;

-- v_spending_shares: v_expenditure_shares (personnel / public operating / project shares), its columns
-- under their former names, the department canonical (dim_department).
create or replace view v_spending_shares as
select s.document_id, s.department_id, s.canonical_department as department, s.doc_kind, s.fiscal_year,
    s.expenditure_total as total, s.basic_expenditure as basic, s.project_expenditure as project,
    s.personnel_expenditure as personnel, s.public_operating_expenditure as public_operating,
    s.personnel_pct_of_basic as personnel_share_of_basic_pct,
    s.public_operating_pct_of_basic as public_share_of_basic_pct,
    s.basic_pct as basic_share_pct, s.project_pct as project_share_pct
from v_expenditure_shares as s;

-- v_project_ranking: v_top_projects (projects by amount within each document).
create or replace view v_project_ranking as
select t.department_id, t.canonical_department as department, t.doc_kind, t.fiscal_year, t.project_name,
    t.project_code, t.budget_unit, t.func_code, t.total, t.rank as rank_in_document,
    t.document_id, t.table_title, t.page
from v_top_projects as t;
