-- Building blocks of the rule catalog (expectations/rules/*.yaml): short names for what every
-- rule needs, so a rule's SQL says only its identity.

-- The money facts of one document (a rate printed in a table, unit '%', is never part of a sum).
create or replace macro doc_facts(doc) as table
    select * from fact_line_item where document_id = doc and coalesce(unit_printed, '') <> '%';

-- One figure of a document, by table, line key (or label) and measure; NULL when not printed.
create or replace macro line_value(doc, tbl, key, meas) as (
    select sum(amount) from fact_line_item
    where document_id = doc and table_code = tbl and line_key = key and measure = meas
);

-- A printed name made comparable with the standard list (docs/domain.md §5.4): brackets unified, level
-- markers and whitespace removed, the optional suffixes 支出 / 用 and the (护) of 维修(护)费 dropped.
create or replace macro norm_name(s) as
    regexp_replace(
        regexp_replace(
            regexp_replace(
                regexp_replace(translate(coalesce(s, ''), '（）【】', '()[]'), '\s+', '', 'g'),
                '\((类|款|项)\)|\(护\)|^[一二三四五六七八九十]+、|^\d+[.、]', '', 'g'),
            '(支出|用)$', ''),
        '"|“|”', '', 'g');

-- The table's total row (合计 / 总计 printed without a code).
create or replace macro is_total_row(func_code, econ_code, label) as
    func_code is null and econ_code is null
    and regexp_matches(regexp_replace(coalesce(label, ''), '\s+', '', 'g'), '^(合计|总计)$');

-- Checks that a keyed line equals the sum of other keyed lines of the same table, per column
-- (机构运行信息表 三公 = 出国 + 用车 + 接待 …). No check when none of the parts is printed.
create or replace macro line_sum_checks(doc, tbl, total_key, part_keys, unit) as table
    with f as (select * from fact_line_item where document_id = doc and table_code = tbl),
    parts as (
        select measure, sum(amount) as amount, count(*) as n
        from f where list_contains(part_keys, line_key) group by measure
    )
    select t.table_code, t.line_key as row_key, t.measure, t.row_no, t.page, t.line_no,
           p.amount as expected, t.amount as actual, p.n as n_terms,
           coalesce(unit, t.unit_printed) as unit
    from f as t join parts as p using (measure)
    where t.line_key = total_key and not t.is_blank;  -- a total printed blank is unreadable, not 0

-- Checks that one keyed line is at most another (其中项 ≤ 总项), per column.
create or replace macro line_le_checks(doc, tbl, part_key, whole_key, unit) as table
    with f as (select * from fact_line_item where document_id = doc and table_code = tbl)
    select p.table_code, p.line_key as row_key, p.measure, p.row_no, p.page, p.line_no,
           w.amount as expected, p.amount as actual, 1 as n_terms,
           coalesce(unit, p.unit_printed) as unit,
           'at most ' || w.line_key as note
    from f as p join f as w on w.measure = p.measure and w.line_key = whole_key
    where p.line_key = part_key;

-- The 合计 row's value of one column of a table (NULL when the table or the row is not printed).
create or replace macro total_value(doc, tbl, meas) as (
    select sum(amount) from fact_line_item
    where document_id = doc and table_code = tbl and measure = meas
      and is_total_row(func_code, econ_code, line_label)
);

-- Checks that one column of every row equals the sum of other columns of that row (总计 = 基本 + 项目 …).
-- No check for a row where none of the parts is printed.
create or replace macro row_sum_checks(doc, tbl, total_measure, part_measures, unit) as table
    with f as (select * from fact_line_item where document_id = doc and table_code = tbl),
    parts as (
        select row_no, coalesce(panel, '') as side, sum(amount) as amount, count(*) as n
        from f where list_contains(part_measures, measure) group by all
    )
    select t.table_code, coalesce(t.func_code, t.econ_code, t.line_key, t.line_label) as row_key, t.measure,
           t.row_no, t.page, t.line_no, p.amount as expected, t.amount as actual, p.n as n_terms,
           coalesce(unit, t.unit_printed) as unit
    from f as t join parts as p on p.row_no = t.row_no and p.side = coalesce(t.panel, '')
    where t.measure = total_measure and not t.is_blank
      -- a figure in a column the catalog cannot name (its measure is the printed header path) may be
      -- one of the parts: the identity is not decidable on that row, so it is not checked
      and not exists (
          select 1 from f as u
          where u.row_no = t.row_no and coalesce(u.panel, '') = coalesce(t.panel, '')
            and not regexp_matches(u.measure, '^[a-z0-9_]+$') and u.amount <> 0
            and coalesce(u.unit_printed, '') <> '%'
      );

-- The value of one column in the 合计 row, or of a keyed line, of a budget table (NULL when absent).
create or replace macro key_value(doc, tbl, key, meas) as (
    select sum(amount) from fact_line_item
    where document_id = doc and table_code = tbl and measure = meas
      and (line_key = key or (key = '合计' and is_total_row(func_code, econ_code, line_label)))
);

-- The printed cell(s) of a keyed line (or of the 合计 row, key '合计') in one column, with their place.
create or replace macro cell(doc, tbl, key, meas) as table
    select table_code, coalesce(line_key, func_code, econ_code, line_label) as row_key, measure, row_no, page,
           line_no, amount, unit_printed, is_blank
    from fact_line_item
    where document_id = doc and table_code = tbl and measure = meas and not is_blank
      and (line_key = key or (key = '合计' and is_total_row(func_code, econ_code, line_label)));

-- A cell of one table against a value of another: one eq/le check when both are printed.
create or replace macro cell_vs(doc, tbl, key, meas, other, note) as table
    select c.table_code, c.row_key, c.measure, c.row_no, c.page, c.line_no, other as expected,
           c.amount as actual, 1 as n_terms, c.unit_printed as unit,
           -- `note` is a macro parameter: without the alias the column would be named by its value
           note as note  -- noqa: AL09
    from cell(doc, tbl, key, meas) as c
    where other is not null;

-- The printed numbers a table's reading left unplaced (doc_table.unplaced JSON), as "1,234.00 p3, …".
create or replace macro unplaced_list(js) as
    array_to_string(
        list_transform(
            from_json(coalesce(js, '[]'), '[{"page": "INTEGER", "line": "INTEGER", "text": "VARCHAR"}]'),
            lambda x: x.text || coalesce(' p' || x.page, ' line ' || x.line, '')),
        ', ');
