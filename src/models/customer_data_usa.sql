-- US customers' payments with their credit limit and location.
SELECT
  payment_id,
  payment_time,
  customer_id,
  payment_amount,
  credit_limit,
  city,
  state,
  postal_code
FROM transformed.customer_data
WHERE country = 'USA'
