-- Partner transactions, typed.
SELECT
  transaction_id,
  customer_id,
  amount,
  account_number,
  transaction_date,
  approved
FROM transformed.transactions
