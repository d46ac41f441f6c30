"""Delivery: put a report where its link points, email the link, remember it was sent."""
