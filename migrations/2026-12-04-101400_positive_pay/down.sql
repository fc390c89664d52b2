DROP TABLE positive_pay_items;
DROP TABLE positive_pay_batches;
