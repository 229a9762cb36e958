-- Partner transactions, typed; account numbers show only their last four digits.
SELECT
  transaction_id,
  customer_id,
  amount,
  protect_account_number(account_number) AS account_number,
  transaction_date,
  approved
FROM transformed.transactions
