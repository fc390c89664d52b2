DROP VIEW disbursement_states;
