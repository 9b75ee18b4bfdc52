-- Shape narrative_vs_cells: each narrative amount (basis NULL) against the table cells its metric maps to.
-- {mapping} is the rule's `mapping` rows (metric, grp, prio, table, line_key | '合计' | '*', measure):
-- lines of one grp are added up, and the lowest prio printed is used.
with m(metric, grp, prio, tbl, key, meas) as (values
{mapping}
),
n as (
    select * from fact_narrative_figure
    where document_id = $document_id and kind = 'amount' and basis is null
),
t as (
    select m.metric, m.grp, m.prio, any_value(m.tbl) as table_code, any_value(m.meas) as measure,
           sum(f.amount) as amount, min(f.row_no) as row_no
    from m join fact_line_item as f
      on f.document_id = $document_id and f.table_code = m.tbl and f.measure = m.meas
     and (f.line_key = m.key or m.key = '*'
          or (m.key = '合计' and is_total_row(f.func_code, f.econ_code, f.line_label)))
    group by m.metric, m.grp, m.prio
),
best as (select * from t qualify prio = min(prio) over (partition by metric, grp))
select b.table_code, n.metric as row_key, b.measure, b.row_no, n.page, n.line_no,
       b.amount as expected, n.value as actual, 1 as n_terms,
       if(n.unit_printed = '元', '元', '万元') as unit,
       '说明 ' || n.value_printed || ': ' || left(n.sentence, 120) as note
from n join best as b using (metric)
