-- Payment events joined with the paying customer's profile.
-- Events whose customer is unknown (or has no country) are left out, as in the blueprint.
SELECT
  p.payment_id,
  p.payment_time,
  p.customer_id,
  p.payment_amount,
  p.ipv4_address,
  c.customer_name,
  c.contact_last_name,
  c.contact_first_name,
  c.city,
  c.state,
  c.postal_code,
  c.credit_limit,
  c.country
FROM transformed.payments p
JOIN transformed.customers c ON c.customer_id = p.customer_id
WHERE c.country IS NOT NULL
