"""Figures the 说明 (narrative) states → `fact_narrative_figure` rows, for the narrative rules (N01–N22).

The narrative restates the tables in sentences ("支出合计1989.05万元，与2023年度相比，减少333.36万元，
下降14.4%"). Each figure is kept with the metric it is about, so a rule can compare it with the table
cell that should say the same, or with the other figures of its statement.

How a document is read:
1. Prose only: table rows (tab/pipe cells, runs of bare numbers, indicator rows with ≥/＝) are dropped,
   and so are bare page numbers. Markup ([bookmark: …], **, #, <b>) is stripped, text is NFKC'd, quotes
   and spaces are removed (a space between two digits is kept), so "1989.05 万元" reads "1989.05万元".
2. Paragraphs: wrapped lines are joined; a new paragraph starts at a heading or a numbered item
   ("一、", "（三）", "1、") and, in text exports, after a line that ends a sentence.
3. Figures: special phrases first (实物量 counts, 绩效 counts, YoY/vs-budget changes, 占Y%, 完成预算X%,
   "(包含…)" compositions, itemised 经济分类 lists), then every remaining "X万元/元". An amount's
   subject is the nearest label before it in its clause, provided only filler words ("支出", "决算为",
   "共计", …) stand between; an amount with no label ("全年预算为52.00万元", "共计支出6万元") takes the
   subject of the paragraph's current statement. A figure whose subject is unclear is left out.

Metrics (the names the N rules join on):
- totals: total_income_expenditure (收、支总计), fiscal_total (财政拨款收、支总计), total_income,
  total_expenditure, fiscal_expenditure (budgets: 财政拨款支出预算)
- income lines: fiscal_appropriation_income, superior_subsidy_income, business_income, operating_income,
  affiliated_remittance_income, other_income, use_of_nonfiscal_surplus, opening_carryover_surplus
- expenditure: basic_expenditure, project_expenditure, operating_expenditure, surplus_distribution,
  closing_carryover_surplus
- 一般公共预算财政拨款: gpb_income, gpb_expenditure, gpb_opening, gpb_closing, gpb_basic_expenditure,
  personnel_expenditure (人员经费), public_operating_expenditure (公用经费/日常公用经费);
  财政拨款 (all funds): fiscal_basic_expenditure (财政拨款基本支出), and the carry-over outside a
  一般公共预算 paragraph: fiscal_opening, fiscal_closing
- other funds: gf_income, gf_expenditure (政府性基金), soe_expenditure (国有资本经营)
- function_class (qualifier = 类 code), function_item (qualifier = 项 code, or 款 code for a 类/款
  chain, when it resolves, else NULL), econ_item (qualifier = economic code; itemised lists, kind component)
- 三公: three_public_total, outbound_travel, vehicle_total, vehicle_purchase, vehicle_operation,
  reception_total, reception_domestic (国内公务接待支出), reception_foreign_affairs (外事接待支出);
  counts outbound_groups, outbound_persons, vehicles_purchased, vehicle_fleet, reception_batches,
  reception_persons (国内公务接待), reception_fa_batches, reception_fa_persons (外事接待),
  reception_overseas_batches, reception_overseas_persons (国（境）外接待); derived
  reception_per_person (元), vehicle_operation_per_vehicle, vehicle_purchase_per_vehicle
- meeting_fee, training_fee, travel_fee, agency_operating_cost (机关运行经费), procurement_total,
  procurement_goods, procurement_works, procurement_services, procurement_sme, procurement_small_micro
- assets (counts): vehicles_total (共有车辆), vehicles_ministerial, vehicles_principal_leader,
  vehicles_confidential, vehicles_emergency, vehicles_law_enforcement, vehicles_special_technical,
  vehicles_retired_cadres, vehicles_other, equipment_over_1m
- performance: evaluated_projects, evaluated_project_funds (绩效自评), project_category_projects and
  project_category_funds (qualifier recurring | one_off: "常年项目…涉及预算总金额"); budgets:
  target_project_funds, target_projects ("绩效目标管理，涉及…财政拨款X万元", "编报绩效目标的项目N个…")

Kinds: amount | count | share | change | change_pct | rate | component. `basis`: for change/change_pct
prior_year | budget; for an amount or rate that is a budget figure budget | budget_initial (年初预算),
prior_year for a prior-year figure ("与2022年度952.74万元相比"), NULL for the actual; for share the
metric of the base total; for component the parent metric.
`value_printed` and `sentence` are the normalised text (NFKC, no spaces), not the raw characters.
`section_no` counts the headings (一、 / （二） / 1、) read so far: a section of the 说明 explains one table
or one fund scope, so a part restated in another section may be another scope's figure (rule N17B).

The package, in reading order: `paragraphs` (text → paragraphs), `patterns` and `labels` (what is
read), `lookups` (code lists), `reader` (a paragraph → figures), `frame` (the rows).
"""

from pipelines.normalise.narrative.frame import NARRATIVE_SCHEMA, narrative_figures
from pipelines.normalise.narrative.lookups import resolve_function_chain

__all__ = ["NARRATIVE_SCHEMA", "narrative_figures", "resolve_function_chain"]
