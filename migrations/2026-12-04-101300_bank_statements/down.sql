DROP FUNCTION make_append_only(regclass);
DROP TABLE bank_statement_lines;
DROP TABLE bank_statements;
DROP TABLE banks;
