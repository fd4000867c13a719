"""Payments: a provider protocol with cash on delivery, VietQR bank transfer and Stripe cards."""
