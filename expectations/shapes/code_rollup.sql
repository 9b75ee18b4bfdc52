-- Shape code_rollup: a parent code row equals the sum of its printed child rows, in every column, per
-- table and spending-unit block. Parameters: {code} the key column (func_code | econ_code), {parent_len}
-- and {child_len} the code lengths of parent and child (3 / 5: 类 = Σ 款; 5 / 7: 款 = Σ 项).
with f as (select * from doc_facts($document_id) where {code} is not null),
kids as (
    select table_code, coalesce(spending_unit, '') as block, measure, left({code}, {parent_len}) as parent,
           sum(amount) as total, count(*) as n
    from f where length({code}) = {child_len} group by all
)
select p.table_code, p.{code} as row_key, p.measure, p.row_no, p.page, p.line_no,
       k.total as expected, p.amount as actual, k.n as n_terms, p.unit_printed as unit
from f as p join kids as k
  on k.table_code = p.table_code and k.measure = p.measure and k.parent = p.{code}
 and k.block = coalesce(p.spending_unit, '')  -- blocks per spending unit never mix
where length(p.{code}) = {parent_len}
